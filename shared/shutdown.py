"""Stopping long-running loops (relay, consumer, inbox) cleanly on SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import threading


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so loops finish the message in hand and exit.

    The handler does not set the event itself: Python runs it in the main thread between two
    bytecodes, possibly while that thread is inside `Event.wait()` holding the event's lock,
    and `Event.set()` would then wait for that lock forever (a relay once ignored SIGTERM this
    way). A short thread sets it instead, as soon as the main thread lets go of the lock.
    """
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=stop.set, name="stop-on-signal", daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    return stop
