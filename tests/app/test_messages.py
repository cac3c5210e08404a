"""Untrusted text in app messages: shown as itself, never as Markdown, and kept short."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from parity.core.bounded_text import PREVIEW_CHARS
from ui.messages import plain

# CommonMark plus GitHub's tables and strikethrough; Streamlit renders GitHub-flavoured Markdown.
MARKDOWN = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
    ["table", "strikethrough"]
)
HOSTILE = [
    "**bold** and _em_ and `code`",
    "[a link](https://example.org/x) and ![an image](https://example.org/pixel.png)",
    "<img src=https://example.org/p.png> <script>alert(1)</script> &lt;",
    "# heading\n- list\n> quote\n\n1. item",
    ":red[coloured] :material/warning: $x^2$ ~~struck~~ | a | b |",
    "www.example.org and https://example.org and user@example.org",
    "back\\slash \\*escaped\\* \\\\",
    "tab\tnul\x00 bell\x07 line\u2028sep",
    "ünïcödé “quotes” 'single' \"double\", commas: colons; 100% ok?",
]


def rendered(markdown: str) -> str:
    """HTML of a Markdown text as a CommonMark renderer produces it."""
    return MARKDOWN.render(markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_renders_as_itself_with_no_markup(text):
    page = rendered(f"A message about “{plain(text, 1000)}”.")
    for tag in ("<a", "<img", "<strong", "<em", "<code", "<h1", "<ul", "<ol", "<blockquote", "<s>"):
        assert tag not in page, (text, page)
    assert "<script" not in page
    shown = html.unescape(re.sub(r"<[^>]+>", "", page)).strip()
    one_line = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", text)
    assert shown == f"A message about “{one_line}”."


def test_plain_text_is_cut_short():
    text = "x" * 10_000 + "**"
    assert plain(text) == "x" * (PREVIEW_CHARS - 3) + "\\.\\.\\."
    assert len(plain("*" * 10_000, 40)) <= 2 * 40
