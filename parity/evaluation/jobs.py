"""Long computations in the shape parity.execution.workpool runs: fn(*args, on_progress,
should_stop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.runtime import TrainingStopped
from . import evaluate

if TYPE_CHECKING:
    import pandas as pd


def lengths_table(
    model, lengths: tuple[int, ...], size: int, on_progress=None, should_stop=None
) -> pd.DataFrame:
    """evaluate.accuracy_by_length, one length at a time: reports (lengths done, total) before
    each one and stops between lengths when asked (raises TrainingStopped)."""
    import pandas as pd  # lazy: only callers that want a frame load pandas

    tables = []
    for done, length in enumerate(lengths):
        if should_stop is not None and should_stop():
            raise TrainingStopped(f"stopped after {done} of {len(lengths)} lengths")
        if on_progress is not None:
            on_progress((done, len(lengths), length))
        tables.append(evaluate.accuracy_by_length(model, [length], size=size))
    return pd.concat(tables, ignore_index=True)


def family_table(
    model, lengths: tuple[int, ...], size: int, on_progress=None, should_stop=None
) -> pd.DataFrame:
    """families.family_accuracy for every family, one family at a time: reports (families done,
    total, family name) before each one and stops between families when asked."""
    import pandas as pd  # lazy: only callers that want a frame load pandas

    from . import families

    tables = []
    for done, name in enumerate(families.ALL):
        if should_stop is not None and should_stop():
            raise TrainingStopped(f"stopped after {done} of {len(families.ALL)} families")
        if on_progress is not None:
            on_progress((done, len(families.ALL), name))
        tables.append(families.family_accuracy(model, [name], lengths, count=size))
    return pd.concat(tables, ignore_index=True)
