"""Tasks this service sent, and their state as an admin sees it.

Celery reports PENDING for any id it holds no result for: a queued task, an expired result and
an id nobody ever issued look the same. So the service records each task id it sends in Redis,
for as long as Celery keeps results (`result_expires`), and answers only for ids it holds; the
state itself comes from Celery's result backend (the same Redis).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import redis
from celery import Task, states

from shared.tasks import DEAD_TASKS_STREAM, celery

#: Redis key recording that this service sent the task `task_id` (value: the task's name).
ISSUED_KEY = "routeways:recommender:tasks:{task_id}"
#: The state the train task reports between stages (`Task.update_state`).
PROGRESS = "PROGRESS"
#: Celery's states as the API names them; RETRY waits for another attempt, so it is queued.
STATE_NAMES = {
    states.PENDING: "queued",
    states.RECEIVED: "queued",
    states.RETRY: "queued",
    states.STARTED: "running",
    PROGRESS: "running",
    states.SUCCESS: "succeeded",
    states.FAILURE: "failed",
    states.REVOKED: "failed",
}
NO_RESULT = (
    "the task ended without a result: it was refused after too many deliveries "
    f"(see the {DEAD_TASKS_STREAM} stream)"
)


def send(client: redis.Redis, task: Task, **kwargs: Any) -> str:
    """Record a new task id, then send `task` under it with `kwargs`; the id.

    The id is recorded first so that a status asked for at once is never a 404; if sending
    fails the record goes, so the id does not read as queued for a week.
    """
    task_id = str(uuid.uuid4())
    key = ISSUED_KEY.format(task_id=task_id)
    client.set(key, task.name, ex=_lifetime())
    try:
        task.apply_async(kwargs=kwargs, task_id=task_id)
    except Exception:
        client.delete(key)
        raise
    return task_id


def status(client: redis.Redis, task_id: str) -> dict[str, Any] | None:
    """`{task_id, state, result, error, progress}` of a task this service sent, or None for
    an id it never issued (or whose record expired)."""
    if not client.exists(ISSUED_KEY.format(task_id=task_id)):
        return None
    state, value = _stored(task_id)
    answer: dict[str, Any] = {
        "task_id": task_id,
        "state": STATE_NAMES.get(state, "running"),
        "result": None,
        "error": None,
        "progress": value if state == PROGRESS and isinstance(value, dict) else None,
    }
    if state == states.SUCCESS and isinstance(value, dict):
        answer["result"] = value
    elif state == states.SUCCESS:  # the delivery cap returns None instead of running the task
        answer.update(state="failed", error=NO_RESULT)
    elif state in (states.FAILURE, states.REVOKED):
        answer["error"] = _error(value)
    return answer


def _stored(task_id: str) -> tuple[str, Any]:
    """The state and result Celery stored for `task_id`, read once (so they agree) and left as
    JSON: a failure stays `{"exc_type", "exc_message", ...}`. Celery's own reader rebuilds the
    exception by importing its class, which fails for exceptions whose constructor takes other
    arguments (SQLAlchemy's) and is more than a status answer needs."""
    backend = celery.backend
    raw = backend.get(backend.get_key_for_task(task_id))
    if raw is None:
        return states.PENDING, None
    meta = backend.decode(raw)
    return meta["status"], meta.get("result")


def _error(value: Any) -> str:
    """`"OperationalError: no such table: ..."` from a stored exception."""
    if not isinstance(value, dict) or "exc_type" not in value:
        return str(value)
    message = value.get("exc_message")
    if isinstance(message, list | tuple):
        message = "; ".join(str(part) for part in message)
    return f"{value['exc_type']}: {message}" if message else str(value["exc_type"])


def _lifetime() -> int:
    """Seconds Celery keeps a result (`result_expires`, seconds or a timedelta)."""
    expires = celery.conf.result_expires
    return int(expires.total_seconds() if isinstance(expires, timedelta) else expires)
