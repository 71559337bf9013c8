"""One function for every user string that reaches Markdown, HTML, CSV or a terminal.

Model names, descriptions, file names and cell values come from strangers. ``escape`` makes them
inert text in the place they are shown:

* everywhere: line breaks and tabs become spaces; every other control character (ANSI escapes
  included), bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069), zero-width or other
  invisible format character becomes U+FFFD, so nothing is hidden and nothing reorders the line;
* ``markdown`` (a table cell on GitHub): no HTML (``< > & "`` as entities) and every character that
  could open a link, an image, a code span, emphasis, math or a new cell is backslash-escaped (a
  bare ``http(s)://`` address may still be shown as a link to itself: never hidden behind other text);
* ``html``: ``html.escape`` with quotes;
* ``csv``: a cell that a spreadsheet would run as a formula (``= + - @`` first) gets a leading ``'``;
* ``terminal``: rich markup is escaped (``[`` cannot open a style).
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any, Literal

Target = Literal["markdown", "html", "csv", "terminal"]
TARGETS: tuple[str, ...] = ("markdown", "html", "csv", "terminal")
REPLACEMENT = "\ufffd"

_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]!|~$])")  # code, emphasis, links/images, cells, math
_FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # also full-width forms


def _visible(ch: str) -> str:
    return REPLACEMENT if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else ch


def plain(value: Any) -> str:
    """The text of ``value`` on one line with every invisible or reordering character made visible."""
    text = _BREAKS.sub(" ", str(value))
    if text.isascii() and text.isprintable():
        return text
    return "".join(_visible(ch) for ch in text)


def escape(value: Any, target: Target) -> str:
    """``value`` as inert text for ``target`` (one of TARGETS); see the module docstring."""
    text = plain(value)
    if target == "markdown":
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    if target == "html":
        return html.escape(text, quote=True)
    if target == "csv":
        return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text
    if target == "terminal":
        from rich.markup import escape as rich_escape

        return rich_escape(text)
    raise ValueError(f"unknown escaping target {target!r}; known: {', '.join(TARGETS)}")
