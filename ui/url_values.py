"""Why the sidebar cannot use a value of the page address: the reason in words, or None.

The sidebar's widgets read their first values from the address (bind="query-params") and
ignore, silently, any they cannot take. These checks say which and why, before the widgets
drop them: not a whole number, not one of the choices, outside the range this app offers,
not on the learning rate's grid, a misspelt setting. No streamlit.

>>> from parity.core.config import fields
>>> arch = next(f for f in fields() if f.name == "arch")
>>> reason(arch, "transformer"), reason(arch, "gru")
('it must be one of lstm, gru, rnn', None)
"""

from __future__ import annotations

import dataclasses
import difflib
import math

from parity.core.config import fields

from . import ranges


def log_options(lo: float, hi: float, default: float) -> list[float]:
    """A 1-2-5 log grid from lo to hi, plus the default: 1e-4, 2e-4, 5e-4, 1e-3, ..."""
    grid = {
        float(f"{m * 10.0**e:.12g}")
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        for m in (1, 2, 5)
    }
    return sorted({v for v in grid if lo <= v <= hi} | {float(default)})


def log_grid(f: dataclasses.Field) -> list[float]:
    """The values a log field's slider offers."""
    return log_options(f.metadata["lo"], f.metadata["hi"], f.default)


def number(f: dataclasses.Field, text: str) -> float | int | None:
    """`text` as the field's number, or None when it is not one (whole, for an int field)."""
    text = text.strip()
    if isinstance(f.default, int):
        body = text[1:] if text[:1] in "+-" else text
        return int(text) if body.isdigit() and len(body) <= 1000 else None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def reason(f: dataclasses.Field, text: str) -> str | None:
    """Why the sidebar's widget for `f` cannot take `text`, or None if it can."""
    m = f.metadata
    if m["choices"]:
        return None if text in m["choices"] else f"it must be one of {', '.join(m['choices'])}"
    value = number(f, text)
    if value is None:
        kind = "a whole number" if isinstance(f.default, int) else "a finite number"
        return f"it is not {kind}"
    lo, hi = ranges.app_range(f)
    if not lo <= value <= hi:
        return f"it must be in {lo:g}..{hi:g} here"
    if m["log"] and float(value) not in log_grid(f):
        grid = log_grid(f)
        shown = ", ".join(f"{v:g}" for v in grid[:3]) + ", …, " + f"{grid[-1]:g}"
        return f"this slider offers the values {shown} (1, 2 and 5 times powers of ten)"
    return None


def above_app_limit(f: dataclasses.Field, text: str) -> bool:
    """Whether `text` is a number above the app's limit of this field (if it has one)."""
    value, limit = number(f, text), ranges.app_hi(f)
    return value is not None and limit is not None and value > limit


def misspelt(param: str) -> str | None:
    """The setting an unknown parameter name most likely meant ('hiden_size'), or None."""
    names = [f.name for f in fields()]
    if param in names:
        return None
    match = difflib.get_close_matches(param, names, n=1, cutoff=0.8)
    return match[0] if match else None
