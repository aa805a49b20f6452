"""玩具题：算术 / toy: arithmetic — the engine's fixture solution."""

from __future__ import annotations

import math


def add(a: int, b: int) -> int:
    """The sum of a and b."""
    return a + b


def mean(values: list[float]) -> float:
    """The average of values; ValueError when there are none."""
    if not values:
        raise ValueError("mean() of no values")
    return math.fsum(values) / len(values)
