"""Failed sign-ins of emails without an adviser account, counted in Redis.

Keys hold a SHA-256 of the normalised email (never the email) and expire on their own, so an
attacker trying made-up addresses leaves nothing behind but short-lived counters.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import redis

from services.profile.advisers import SignInPolicy

PREFIX = "routeways:profile:sign-in:unknown"


class RedisUnknownAccountLedger:
    """`advisers.UnknownAccountLedger` on the service's Redis, shared by every worker."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def _keys(self, email: str) -> tuple[str, str]:
        digest = hashlib.sha256(email.encode()).hexdigest()
        return f"{PREFIX}:{digest}:failures", f"{PREFIX}:{digest}:locked-until"

    def locked_until(self, email: str, now: datetime) -> datetime | None:
        _, locked_key = self._keys(email)
        value = self.client.get(locked_key)
        if value is None:
            return None
        until = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
        return until if until > now else None

    def record_failure(self, email: str, policy: SignInPolicy, now: datetime) -> datetime | None:
        """Count the failure (the count forgets itself after one lock-out period)."""
        failures_key, locked_key = self._keys(email)
        window = max(int(policy.lockout.total_seconds()), 1)
        with self.client.pipeline() as pipe:
            pipe.incr(failures_key)
            pipe.expire(failures_key, window)
            failures, _ = pipe.execute()
        if failures < policy.max_failures:
            return None
        until = now + timedelta(seconds=window)
        with self.client.pipeline() as pipe:
            pipe.set(locked_key, until.isoformat(), ex=window)
            pipe.delete(failures_key)
            pipe.execute()
        return until
