"""Messages of bounded length: untrusted values are shown as short previews, never in full.

>>> shorten("x" * 500, 20)
'xxxxxxxxxxxxxxxxx...'
>>> preview("a" * 100, 12)
"'aaaaaaaa..."
>>> listing(["w1", "w2", "w3", "w4", "w5"], 3)
'w1, w2, w3, ... (5 in all)'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_MESSAGE_CHARS = 300  # every error a user sees (CLI line, app message) is at most this long
PREVIEW_CHARS = 60  # an untrusted value quoted inside a message
ELLIPSIS = "..."


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut to at most `limit` characters, ending in '...' when cut."""
    return text if len(text) <= limit else text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS


def preview(value: Any, limit: int = PREVIEW_CHARS) -> str:
    """repr(value), at most `limit` characters; huge strings are cut before repr is built."""
    if isinstance(value, str | bytes) and len(value) > limit:
        value = value[:limit]  # repr of a 100 MB string would cost 100 MB first
    try:
        text = repr(value)
    except Exception:  # a hostile object's __repr__ may raise anything
        text = f"<{type(value).__name__}>"
    return shorten(text, limit)


def listing(items: Iterable[Any], count: int = 3, limit: int = 30) -> str:
    """The first `count` items (each shortened), then how many there are in all."""
    items = list(items)
    shown = [shorten(str(item), limit) for item in items[:count]]
    if len(items) > count:
        shown.append(f"{ELLIPSIS} ({len(items)} in all)")
    return ", ".join(shown)
