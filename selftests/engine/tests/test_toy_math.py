"""Hidden tests of the engine's fixture topic toy_math: values in, values out."""

from __future__ import annotations

import pytest

from grading.testing import Sandbox, Text, expect_equal, fail


@pytest.mark.points(1)
def test_add(sandbox: Sandbox) -> None:
    """加法 / add() adds"""
    expect_equal(sandbox.call("add", 2, 3).unwrap(), 5, call="add(2, 3)")


@pytest.mark.points(1)
def test_mean(sandbox: Sandbox) -> None:
    """平均值 / mean() averages"""
    expect_equal(sandbox.call("mean", [1, 2, 3, 4]).unwrap(), 2.5, call="mean([1, 2, 3, 4])",
                 text=MEAN_DIVIDES)


@pytest.mark.points(1)
def test_mean_of_nothing_raises(sandbox: Sandbox) -> None:
    """没有数时抛出 ValueError / mean([]) raises ValueError"""
    result = sandbox.call("mean", [])
    if result.raised("ValueError"):
        return
    if result.returned:
        fail(MEAN_RETURNED, value=repr(result.value))
    error = result.error
    if error is not None and error.phase == "call" and error.type != "NotImplementedError":
        fail(MEAN_RAISED_OTHER, type=error.type)
    result.unwrap()  # not written, crashed, stopped: the engine says which
    fail(MEAN_RETURNED, value="?")


MEAN_DIVIDES = Text(
    en="The mean is the sum divided by the count, with / (true division).",
    zh="平均值是总和除以个数，用 /（真除法）。",
)
MEAN_RETURNED = Text(
    en="mean([]) returned {value}; it should raise ValueError: there is no mean of no values.",
    zh="mean([]) 返回了 {value}；它应当抛出 ValueError：没有数就没有平均值。",
)
MEAN_RAISED_OTHER = Text(
    en="mean([]) raised {type}; it should raise ValueError (check for an empty list first).",
    zh="mean([]) 抛出了 {type}；它应当抛出 ValueError（先检查列表是否为空）。",
)
