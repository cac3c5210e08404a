"""Work items the executor tests map: module-level functions of picklable arguments, so a
worker process can import them (and Ray ships this module to its workers by value)."""

from __future__ import annotations

import os


def square(x: int) -> int:
    return x * x


def square_but_fail_on_3(x: int) -> int:
    if x == 3:
        raise ValueError(f"no threes (got {x})")
    return x * x


def exit_on_2(x: int) -> int:
    if x == 2:
        os._exit(7)  # the worker process dies mid-item, as if killed
    return x * x
