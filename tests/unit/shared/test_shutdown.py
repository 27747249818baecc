"""SIGTERM stops a loop even when it arrives while the loop waits on the stop event."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

#: The signal lands while the main thread holds the event's lock, as inside `Event.wait()`:
#: a handler calling `stop.set()` itself would then wait for that lock forever.
SIGNAL_INSIDE_WAIT = textwrap.dedent(
    """
    import os, signal
    from shared.shutdown import stop_on_signals

    stop = stop_on_signals()
    with stop._cond:  # what Event.wait() holds while it waits
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):
            pass  # the handler runs here, between bytecodes, lock held
    assert stop.wait(10), "the stop event was never set"
    print("stopped")
    """
)


def test_a_signal_arriving_while_the_loop_waits_on_the_stop_event_still_stops_it():
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_INSIDE_WAIT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped"
