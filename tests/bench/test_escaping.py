"""One escaping function for every user string that reaches Markdown, HTML, CSV or a terminal,
checked on a list of hostile strings by parsing what it produced."""

import html
import unicodedata

import pytest
from markdown_it import MarkdownIt
from rich.text import Text

from cmedbench.escaping import TARGETS, escape, plain

HOSTILE = [
    "![x](http://evil.example/p.png)", "[x](javascript:alert(1))", "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- hidden -->", "<https://evil.example>",
    "a|b|c", "`code`", "```\nfenced\n```", "**bold** _it_ ~~gone~~", "$x^2$", "\\", "\\[x](y)", "&amp; &lt;",
    "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =1", "\uff1d1+1",
    "line1\nline2\r\nline3", "\x1b[31mred\x1b[0m", "\x07bell\x00nul\x7fdel", "evil\u202etxt.exe",
    "\u2066isolate\u2069", "\u200fmark\u200e", "zero\u200bwidth\ufeff", "soft\u00adhyphen", "para\u2029sep",
    "[bold red]styled[/]", "[link=https://evil.example]x[/link]", "ordinary name (v2) + SVM",
]
INVISIBLE = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")
MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def tokens(tree):
    for tok in tree:
        yield tok
        yield from tokens(tok.children or [])


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("target", TARGETS)
def test_nothing_invisible_or_reordering_survives(text, target):
    out = escape(text, target)
    assert not [c for c in out if unicodedata.category(c) in INVISIBLE], repr(out)


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_cell_is_plain_text(text):
    row = f"| a | {escape(text, 'markdown')} |"
    parsed = list(tokens(MD.parse("| h | i |\n|---|---|\n" + row + "\n")))
    kinds = {t.type for t in parsed}
    assert not kinds & {"link_open", "image", "html_inline", "html_block", "code_inline", "em_open", "strong_open",
                        "s_open", "fence", "code_block"}, (text, kinds)
    assert sum(t.type == "td_open" for t in parsed) == 2  # no new cells
    cell = [t for t in MD.parse("| h | i |\n|---|---|\n" + row + "\n") if t.type == "inline"][-1]
    shown = "".join(t.content for t in cell.children if t.type == "text")
    assert shown == plain(text).strip()  # the reader sees exactly what was written (with visible replacements)


@pytest.mark.parametrize("text", HOSTILE)
def test_html_csv_and_terminal(text):
    assert html.unescape(escape(text, "html")) == plain(text) and "<" not in escape(text, "html")
    cell = escape(text, "csv")
    assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\uff1d")) or cell.startswith("'")
    styled = Text.from_markup(escape(text, "terminal"))
    # rich doubles a trailing backslash so that markup following the text is not escaped by it
    assert styled.plain.rstrip("\\") == plain(text).rstrip("\\") and not styled.spans
    assert Text.from_markup(f"[dim]{escape(text, 'terminal')}[/]").plain.rstrip("\\") == plain(text).rstrip("\\")


def test_ordinary_text_is_left_alone():
    assert escape("LBP-TOP + SVM (default)", "terminal") == "LBP-TOP + SVM (default)"
    assert escape("0.5", "csv") == "0.5" and escape("-0.5", "csv") == "'-0.5"
    with pytest.raises(ValueError, match="unknown escaping target"):
        escape("x", "latex")
