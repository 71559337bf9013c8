"""Reading a label spreadsheet whose header may sit below title rows (SAMM's does), with every row's
line number as the spreadsheet program shows it, so every problem can name its line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HEADER_SEARCH_ROWS = 40


class SheetError(ValueError):
    """A label file that cannot be read or lacks the columns its dataset's format has."""


def _norm(name: object) -> str:
    return " ".join(str(name).split()).lower()


def read_sheet(path: Path, required: tuple[str, ...], shown: str | None = None) -> pd.DataFrame:
    """Rows below the header row that names every ``required`` column (compared case- and
    space-insensitively); columns renamed to the ``required`` spellings; index = spreadsheet line."""
    shown = shown or str(path)
    if not path.is_file():
        raise SheetError(f"{shown}: label file not found")
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            grid = pd.read_csv(path, header=None, dtype=object, keep_default_na=False, skip_blank_lines=False)
        else:
            grid = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001  (openpyxl raises many types for a bad file)
        raise SheetError(f"{shown}: cannot read as a spreadsheet ({type(exc).__name__}: {exc})") from None
    wanted = {_norm(c): c for c in required}
    for row in range(min(HEADER_SEARCH_ROWS, len(grid))):
        names = {_norm(v): j for j, v in enumerate(grid.iloc[row]) if not pd.isna(v)}
        if set(wanted) <= set(names):
            break
    else:
        raise SheetError(f"{shown}: no header row naming {', '.join(required)} in the first "
                         f"{HEADER_SEARCH_ROWS} rows")
    header = [str(v) if not pd.isna(v) else f"unnamed_{j}" for j, v in enumerate(grid.iloc[row])]
    body = grid.iloc[row + 1:].copy()
    body.columns = [wanted.get(_norm(h), h) for h in header]
    body.index = pd.RangeIndex(row + 2, row + 2 + len(body), name="line")  # 1-based, below the header
    body = body.dropna(how="all")
    return body.astype(object).where(body.notna(), None)


def read_label_sheet(source: Path, keywords: tuple[str, ...], required: tuple[str, ...],
                     missing: str) -> tuple[pd.DataFrame, str]:
    """The label spreadsheet of a dataset folder: the first ``*.xls*`` whose name holds one of
    ``keywords`` (lower case), read with its ``required`` columns; returns it with its path relative
    to ``source``. SheetError ``"<source>: <missing>"`` when the folder has none."""
    hits = sorted(p for p in source.glob("*.xls*") if any(k in p.name.lower() for k in keywords))
    if not hits:
        raise SheetError(f"{source}: {missing}")
    rel = hits[0].relative_to(source).as_posix()
    return read_sheet(hits[0], required, rel), rel
