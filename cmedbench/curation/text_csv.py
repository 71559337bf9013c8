"""Reading the curators' and labellers' hand-edited CSV files: every cell as text, checked columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_text_csv(path: Path, columns: tuple[str, ...], error: type[Exception]) -> pd.DataFrame:
    """``path`` as a table of strings (blank cells stay ``""``) holding ``columns``; ``error`` (the
    caller's domain exception) names the file when it is absent, unreadable or lacks a column."""
    if not path.is_file():
        raise error(f"{path}: file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not a readable CSV ({exc})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise error(f"{path}: missing column(s) {', '.join(missing)}")
    return df
