"""The retry policy the worker gives every job that has none of its own."""

from __future__ import annotations

import random


def backoff_intervals(retries: int, first: int, ceiling: int, rng: random.Random | None = None) -> list[int]:
    """Seconds to wait before each retry: `first`, then twice as long each time, at
    most `ceiling`. With `rng`, each wait is drawn between half of it and all of it
    ("equal jitter"), so that jobs failing together do not come back together."""
    intervals = []
    for attempt in range(retries):
        delay = min(ceiling, first * 2**attempt)
        if rng is not None and delay > 1:
            delay = rng.randint(delay - delay // 2, delay)
        intervals.append(delay)
    return intervals
