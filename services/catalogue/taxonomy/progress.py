"""Progress bars for the long import steps: the caller's tqdm factory, or a quiet default."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from tqdm import tqdm

#: A tqdm-like factory: `progress(iterable, total=..., desc=..., unit=...)` returns an iterable.
Progress = Callable[..., Any]


def bars(progress: Progress | None) -> Progress:
    """The caller's factory, or tqdm shown only on a terminal (`disable=None`)."""
    return progress if progress is not None else partial(tqdm, disable=None, leave=False)
