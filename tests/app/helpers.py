"""AppTest helpers: run a page under the shared sidebar, read charts and metrics back."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TIMEOUT = 120  # seconds per script run: generous, the CI machine may be busy


def _sidebar_and_page(page_path: str) -> None:
    """AppTest script: the entry file's sidebar, then one page (as streamlit_app.py does)."""
    import runpy

    from ui import sidebar

    sidebar.render()
    runpy.run_path(page_path, run_name="__main__")


def page_app(page: str, **query: str) -> AppTest:
    """An AppTest of app_pages/<page>.py under the shared sidebar, with URL query params.

    AppTest (1.67) drops the entry file's sidebar after switch_page, so page tests run the
    sidebar and the page together; cross-page flows use the real entry file.
    """
    at = AppTest.from_function(
        _sidebar_and_page, args=(str(ROOT / "app_pages" / f"{page}.py"),), default_timeout=TIMEOUT
    )
    for key, value in query.items():
        at.query_params[key] = value
    return at


def entry_app() -> AppTest:
    """An AppTest of the real entry file (navigation + sidebar)."""
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT)


def charts(at: AppTest) -> list[dict]:
    """Every vega-lite chart's spec, with a 'frames' entry: dataset name -> DataFrame."""
    out = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        spec["frames"] = {
            ds.name: pa.ipc.open_stream(ds.data.data).read_pandas() for ds in element.proto.datasets
        }
        out.append(spec)
    return out


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label -> displayed value."""
    return {m.label: m.value for m in at.metric}


def no_crash(at: AppTest) -> None:
    """The run raised nothing (no exception element, no AppTest error)."""
    assert not at.exception, [e.message for e in at.exception]


def markdown_tables(at: AppTest) -> list[dict[str, list[str]]]:
    """Every Markdown table on the page (ui.static_table), column -> cells as drawn."""
    tables = []
    for element in at.markdown:
        lines = element.value.splitlines()
        if len(lines) < 2 or not lines[0].startswith("| ") or not lines[1].startswith("|---"):
            continue
        rows = [_cells(line) for line in lines[:1] + lines[2:]]
        tables.append({name: [r[k] for r in rows[1:]] for k, name in enumerate(rows[0])})
    return tables


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells, unescaped."""
    cells, cell, escaped = [], "", False
    for char in line.strip()[1:]:
        if escaped:
            cell, escaped = cell + char, False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += char
    return cells
