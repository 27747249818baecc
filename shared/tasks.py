"""The Celery application: JSON only, late acknowledgement, one task at a time per worker process.

Tasks are thin (they take ids and call domain code) and idempotent, because `acks_late` with
`task_reject_on_worker_lost` redelivers a task whose worker died. Redis' `visibility_timeout`
sits above every task's time limit, so a slow task is never handed to a second worker; a task
that keeps killing its worker is stopped after `task_max_attempts` deliveries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from celery import Celery, Task
from celery.schedules import crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from shared.settings import Settings

log = logging.getLogger(__name__)

TASK_MODULES = (
    "shared.bus.tasks",
    "services.profile.tasks",
    "services.recommender.tasks",
    "services.notifier.tasks",
)
DEAD_TASKS_STREAM = "routeways:dead:tasks"
_AFTER_COMMIT_KEY = "routeways.after_commit"


class AttemptCappedTask(Task):
    """Counts deliveries of each task message in Redis and refuses the one past the cap.

    A message is one try of a task id: a Celery retry sends a new message (the same id, one more
    `retries`), so it counts afresh, and a task's own retries are capped by its `max_retries`,
    not by this. What this caps is the same message delivered again and again because the
    worker running it died (acks_late redelivers it), which would otherwise loop forever."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.request.called_directly or self.request.is_eager:
            return super().__call__(*args, **kwargs)
        settings = Settings.from_env()
        client = redis.Redis.from_url(self.app.conf.broker_url)
        key = attempts_key(self.request.id, self.request.retries or 0)
        attempts = client.incr(key)
        client.expire(key, settings.celery_visibility_timeout * (settings.task_max_attempts + 1))
        if attempts > settings.task_max_attempts:
            log.error(
                "task %s[%s] refused after %d deliveries", self.name, self.request.id, attempts - 1
            )
            client.xadd(
                DEAD_TASKS_STREAM,
                {
                    "task": self.name,
                    "id": self.request.id,
                    "args": repr(args)[:2000],
                    "attempts": attempts - 1,
                },
            )
            return None
        result = super().__call__(*args, **kwargs)
        client.delete(key)
        return result


def attempts_key(task_id: str, retries: int) -> str:
    """The Redis key counting deliveries of one message: a task id at one retry."""
    return f"routeways:task-attempts:{task_id}:{retries}"


def configure(app: Celery, settings: Settings) -> Celery:
    """Apply Routeways' Celery policy to `app`.

    Results are kept in the same Redis, but only by tasks that opt in with
    `ignore_result=False` (the recommender's `train`, which an admin polls through
    `GET /tasks/{id}`); every other task stores nothing. Kept results expire after a week.
    """
    app.conf.update(
        broker_url=settings.redis_url,
        result_backend=settings.redis_url,
        task_ignore_result=True,
        result_expires=7 * 24 * 3600,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.task_time_limit_seconds,
        task_soft_time_limit=max(settings.task_time_limit_seconds - 30, 1),
        broker_transport_options={"visibility_timeout": settings.celery_visibility_timeout},
        broker_connection_retry_on_startup=True,
        timezone="Europe/London",
        enable_utc=True,
        include=list(TASK_MODULES),
        beat_schedule={
            "bus.trim-streams": {"task": "bus.trim_streams", "schedule": 60.0},
            "bus.purge-handled": {"task": "bus.purge_handled", "schedule": 3600.0},
            # Nightly, in UK time (the app's timezone), when few learners are about.
            "recommender.train-nightly": {
                "task": "recommender.train",
                "schedule": crontab(hour=2, minute=30),
            },
            # A new deployment serves popularity and content until its first model: train
            # one as soon as there are interactions, not at the next 02:30.
            "recommender.train-first": {"task": "recommender.train_first", "schedule": 300.0},
            # Learners queued for rescoring during a backlog: a backlog sends the task itself;
            # this catches a run lost with its worker.
            "recommender.rescore-queued": {
                "task": "recommender.rescore_queued",
                "schedule": 60.0,
            },
            # Learners' digests at the frequency each chose, in UK time: weekly on Monday at
            # 08:00, monthly on the 1st at 08:00 (BST or GMT, as the clocks say that day).
            "notifier.weekly-digests": {
                "task": "notifier.send_due_digests",
                "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
                "args": ("weekly",),
            },
            # Advisers' summaries of their learners' route changes, before the learners' own.
            "notifier.adviser-summaries": {
                "task": "notifier.send_adviser_summaries",
                "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
            },
            "notifier.monthly-digests": {
                "task": "notifier.send_due_digests",
                "schedule": crontab(hour=8, minute=0, day_of_month="1"),
                "args": ("monthly",),
            },
        },
    )
    return app


celery = configure(Celery("routeways", task_cls=AttemptCappedTask), Settings.from_env())


def enqueue_after_commit(session: Session, task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task` only once `session` commits; nothing is sent if it rolls back.

    A task sent inside the transaction could run before its data is visible, or for data that
    never commits.
    """
    call_after_commit(session, lambda: task.delay(*args, **kwargs))


def call_after_commit(session: Session, call: Callable[[], Any]) -> None:
    """Call `call()` only once `session` commits (to send a task, or decide whether to)."""
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(call)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is visible to a worker yet
    sends: list[Callable[[], Any]] = session.info.pop(_AFTER_COMMIT_KEY, [])
    for send in sends:
        send()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.nested:
        return  # one event's savepoint (the consumer's batches): the others' sends still stand
    session.info.pop(_AFTER_COMMIT_KEY, None)
