"""Small tables drawn as Markdown: no Arrow or data-grid code for the browser to load.

st.table and st.dataframe send the frame as Arrow, and a visitor's browser then loads about
1 MB of table code before the page is done; a table of a dozen rows reads as well in Markdown.
"""

from __future__ import annotations

from numbers import Integral

import pandas as pd
import streamlit as st


def _cell(value) -> str:
    """One cell's text, safe inside a Markdown table row."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split())  # a newline would end the row


def markdown_table(frame: pd.DataFrame) -> str:
    """The frame (without its index) as a Markdown table; numbers right-aligned."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    head = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---:" if n else "---" for n in numeric) + "|"
    rows = [
        "| "
        + " | ".join(
            f"{v:,}" if n and isinstance(v, Integral) else _cell(v)
            for v, n in zip(row, numeric, strict=True)
        )
        + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *rows])


def show(frame: pd.DataFrame) -> None:
    """Draw the frame as a Markdown table."""
    st.markdown(markdown_table(frame))
