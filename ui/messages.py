"""Text shown to a visitor: untrusted text (file names, metadata, errors) as short plain text.

st.error, st.info and friends render Markdown, so a file name or a model file's metadata could
carry bold text, links or an image the browser would fetch. plain() puts such text on one line,
cuts it short and backslash-escapes every ASCII punctuation character that Markdown, GitHub's
extensions or Streamlit's directives read (CommonMark lets any of them be escaped): links,
images, emphasis, code, HTML, autolinks (www., https://, user@host.org) all become text.
"""

from __future__ import annotations

import re
import string

from parity.core.bounded_text import PREVIEW_CHARS, shorten

INERT = "'\",:;?@%"  # punctuation that starts no markup once . / [ < ( are escaped
_MARKUP = re.compile(
    "([" + re.escape("".join(c for c in string.punctuation if c not in INERT)) + "])"
)
_LAYOUT = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")  # newlines, tabs, control characters


def plain(text: object, limit: int = PREVIEW_CHARS) -> str:
    """Untrusted text for a Markdown element: one line, at most `limit` characters, inert.

    >>> print(plain("**bold** [link](https://x.io)"))
    \\*\\*bold\\*\\* \\[link\\]\\(https:\\/\\/x\\.io\\)
    """
    return _MARKUP.sub(r"\\\1", shorten(_LAYOUT.sub(" ", str(text)), limit))
