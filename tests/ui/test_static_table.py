"""ui.static_table: a frame as a Markdown table, read back cell for cell."""

from __future__ import annotations

import pandas as pd

from tests.app.helpers import _cells
from ui.static_table import markdown_table


def test_the_table_reads_back_with_its_numbers_grouped_and_right_aligned():
    frame = pd.DataFrame({"Check": ["test set", "random"], "Strings": [1000, 20]})
    lines = markdown_table(frame).splitlines()
    assert lines[:2] == ["| Check | Strings |", "|---|---:|"]
    assert [_cells(line) for line in lines[2:]] == [["test set", "1,000"], ["random", "20"]]


def test_pipes_backslashes_and_newlines_cannot_break_a_row():
    frame = pd.DataFrame({"a": ["x|y", "back\\slash", "two\nlines"], "b": ["1", "2", "3"]})
    lines = markdown_table(frame).splitlines()
    assert len(lines) == 5
    assert [_cells(line) for line in lines[2:]] == [
        ["x|y", "1"],
        ["back\\slash", "2"],
        ["two lines", "3"],
    ]
