"""Runs in the student's interpreter: gives the parent's money a value of the
test's choosing before the call, so that a function that returns a hard-coded
100 is told apart from one that returns the parent's own money."""

from __future__ import annotations

import isolation


def parent_money_with(start: int) -> object:
    isolation.money = start
    return isolation.parent_money_after_child()
