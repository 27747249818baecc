"""HTTP for one Routeways service asking another a question that needs an answer now.

`ServiceClient(base_url)` is a `requests.Session` that
- joins relative paths onto the other service's base URL (`client.get("/taxonomy/codes")`);
- never waits for ever: every request gets a connect and a read timeout unless it names its own;
- retries what is safe to retry, with urllib3's `Retry`: connection failures, read failures and
  502/503/504 answers, only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE),
  with exponential backoff capped at `backoff_max` seconds. A `Retry-After` header is not
  obeyed: these calls sit inside a request or a task, and a minute's wait belongs to the caller;
- after the last retry answers the last response (502/503/504) instead of raising, so the caller
  decides what that status means; a connection that never succeeds raises
  `requests.ConnectionError` (or `requests.Timeout`);
- passes on the correlation id of the request or event being handled (`X-Correlation-ID`), so
  one flow can be followed through every service's logs.

A `requests.Session` is not documented as thread-safe, so give each thread its own client
(`threading.local`) when a web process shares one between request threads.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from shared.bus.outbox import correlation_id

#: Seconds to open a connection (just above a multiple of 3, TCP's first retransmission)
#: and to wait for the answer's first byte.
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
RETRY_STATUSES = (502, 503, 504)


def service_retry(
    retries: int = 3, backoff_factor: float = 0.25, backoff_max: float = 2.0
) -> Retry:
    """urllib3's policy for service-to-service calls: `retries` more tries after a failed
    connection, read or 502/503/504, idempotent methods only, waits of 0, 0.5, 1.0, ... s."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


class ServiceClient(requests.Session):
    """A session bound to one service's base URL, with timeouts and retries (see module doc)."""

    def __init__(
        self,
        base_url: str,
        *,
        caller: str = "routeways",
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        retry: Retry | None = None,
        pool_size: int = 4,
    ) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        adapter = HTTPAdapter(
            max_retries=retry or service_retry(), pool_connections=1, pool_maxsize=pool_size
        )
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.headers["User-Agent"] = f"routeways-{caller}"
        self.headers["Accept"] = "application/json"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """As `requests.Session.request`, with the base URL, timeouts and correlation id."""
        if isinstance(url, str) and url.startswith("/"):
            url = f"{self.base_url}{url}"
        kwargs.setdefault("timeout", self.timeout)
        flow = correlation_id.get()
        if flow:
            kwargs["headers"] = {"X-Correlation-ID": flow, **(kwargs.get("headers") or {})}
        return super().request(method, url, *args, **kwargs)
