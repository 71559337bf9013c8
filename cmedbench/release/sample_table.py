"""The canonical sample table: the one file between `validate` and everything downstream of it.

`validate` writes it (``data/index/samples.csv`` in the pipeline) once the release passed; `splits`,
`contact-sheet` and every feature stage read it instead of validating, probing or hashing the release
again. One row per clip: its id, subject, canonical label, apex frame, release-relative path, probed
video properties and content hash, then any extra columns of the release's CSV. The pandera model
below checks the table on every write and every read, so a reader gets proper types (``Int64`` with
``<NA>``, never NaN or the string ``"<NA>"``) or an error naming the row and column.

A table written from a metadata-only validation has the same columns with the file columns blank:
it names the clips but not their content, so consumers that need the videos refuse it
(``require_videos``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from pandera.typing import Series

from ..atomic import write_text
from ..problems import Problem
from . import SAMPLE_TABLE_PATH as DEFAULT_PATH  # noqa: F401  (re-exported)
from .fingerprint import sample_ids
from .labels import TABLE_EMOTIONS
from .schema import APEX_MESSAGES, MetadataModel

INDEX = "line"  # the metadata CSV line of each row: every later message can still name it
MAX_SAMPLE_TABLE_BYTES = 256 << 20  # CMED's 10,924 clips take ~1.5 MB
LABEL_COLUMNS = ("sample_id", "subject", "filename", "emotion", "apex_frame")
FILE_COLUMNS = ("path", "n_frames", "fps", "width", "height", "sha256")
COLUMNS = LABEL_COLUMNS + FILE_COLUMNS
_DTYPES = {"sample_id": "string", "subject": "string", "filename": "string", "emotion": "string",
           "apex_frame": "Int64", "path": "string", "n_frames": "Int64", "fps": "Float64", "width": "Int64",
           "height": "Int64", "sha256": "string"}
CHECK = "sample_table"
# Optional column (the contract with the AU task): canonical AU strings, "4+12"; "" = coded, no AU;
# <NA> = the dataset codes no AUs, written as the cell NA so that it survives the CSV round trip.
ACTION_UNITS = "action_units"
NOT_CODED = "NA"
# Typed extra columns of imported datasets (cmedbench.datasets); any other extra column reads as text.
EXTRA_DTYPES = {"onset_number": "Int64", "apex_number": "Int64", "offset_number": "Int64", "label_line": "Int64",
                "apex_published": "boolean"}
AU_CANONICAL = r"^(?:[1-9]\d*(?:\+[1-9]\d*)*)?$"


class SampleTableError(ValueError):
    """A sample table that is missing, unreadable or breaks the model; ``problems`` locates each fault."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


class MetadataOnlyTable(SampleTableError):
    """A sample table written without opening the videos: it has no paths, frame counts or hashes."""


class SampleTableModel(MetadataModel):
    """One row of the canonical sample table (index: the metadata CSV line).

    Wider than the CMED metadata model in three places, for releases imported from other datasets
    (cmedbench.datasets): a subject may carry its dataset as a prefix (``casme2_sub_01``), a clip name
    need not be a video file name (``EP02_01f``), and the emotion may be a class CMED lacks.
    """

    subject: Series[pd.StringDtype] = pa.Field(str_matches=r"^(?:[a-z0-9][a-z0-9-]*_)?sub_\d{2,}$")
    filename: Series[pd.StringDtype] = pa.Field(str_matches=r"^[^/\\\x00]+$")
    emotion: Series[pd.StringDtype] = pa.Field(isin=list(TABLE_EMOTIONS))
    action_units: Optional[Series[pd.StringDtype]] = pa.Field(nullable=True, str_matches=AU_CANONICAL)
    sample_id: Series[pd.StringDtype] = pa.Field(unique=True, str_matches=r"^[0-9a-f]{12}$")
    path: Series[pd.StringDtype] = pa.Field(nullable=True)
    n_frames: Series[pd.Int64Dtype] = pa.Field(nullable=True, gt=0)
    fps: Series[pd.Float64Dtype] = pa.Field(nullable=True, gt=0)
    width: Series[pd.Int64Dtype] = pa.Field(nullable=True, gt=0)
    height: Series[pd.Int64Dtype] = pa.Field(nullable=True, gt=0)
    sha256: Series[pd.StringDtype] = pa.Field(nullable=True, str_matches=r"^[0-9a-f]{64}$")

    @pa.dataframe_check
    def sample_id_names_its_row(cls, df: pd.DataFrame) -> pd.Series:
        """The id is the hash of (emotion, subject, filename): an edited label or id is caught here."""
        return df["sample_id"] == sample_ids(df)

    @pa.dataframe_check
    def files_known_on_every_row_or_none(cls, df: pd.DataFrame) -> pd.Series:
        """Either every row carries its file's properties (validated with videos) or none does."""
        known = df[list(FILE_COLUMNS)].notna()
        if not known.to_numpy().any():
            return pd.Series(True, index=df.index)
        return known.all(axis=1)

    class Config:
        name = "cmed_sample_table"
        description = "canonical sample table written by `cmedbench validate` (one row per clip)"


def has_videos(table: pd.DataFrame) -> bool:
    """True when the table was written from a validation that opened every video."""
    return "sha256" in table.columns and bool(table["sha256"].notna().any())


def require_videos(table: pd.DataFrame, source: str | Path = "the sample table") -> pd.DataFrame:
    if not has_videos(table):
        raise MetadataOnlyTable(f"{source} was written from a metadata-only validation: it has no video "
                                "paths, frame counts or content hashes. Validate the release with its videos "
                                "to write a table that names the files.")
    return table


def check_sample_table(table: pd.DataFrame, source: str = "sample table") -> pd.DataFrame:
    """The table with every model column present and typed, or SampleTableError listing every fault."""
    frame = table.copy()
    for col in FILE_COLUMNS:
        if col not in frame.columns:
            frame[col] = pd.Series(pd.NA, index=frame.index, dtype=_DTYPES[col])
    missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
    if missing:
        raise SampleTableError(f"{source}: column(s) missing: {', '.join(missing)}",
                               [Problem(CHECK, "error", f"column {c!r} is missing", source, None, c) for c in missing])
    if ACTION_UNITS in frame.columns:
        frame[ACTION_UNITS] = frame[ACTION_UNITS].astype("string")
    try:
        frame = frame.astype({c: _DTYPES[c] for c in COLUMNS})
    except (TypeError, ValueError) as exc:
        raise SampleTableError(f"{source}: a column has the wrong type ({exc})") from None
    try:
        SampleTableModel.validate(frame, lazy=True)
    except SchemaErrors as exc:
        problems = _problems(exc.failure_cases, frame, source)
        shown = "; ".join(f"{p.location()}: {p.message}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise SampleTableError(f"{source} is not a valid sample table: {shown}{more}", problems) from None
    extras = [c for c in frame.columns if c not in COLUMNS]
    return frame[list(COLUMNS) + extras]


_ROW_RULES = {
    "sample_id_names_its_row": "sample_id is not the hash of this row's (emotion, subject, filename): "
                               "the row was edited after validation",
    "files_known_on_every_row_or_none": "file columns are blank on this row but filled on others",
    **APEX_MESSAGES,
}


def _message(check: str, column: str | None, value: object) -> str:
    if check in _ROW_RULES:
        return _ROW_RULES[check]
    if "uniqueness" in check:
        return f"duplicate {column or '(emotion, subject, filename)'} {value!r}"
    if check.startswith("isin"):
        return f"{column} {value!r} is not a known label"
    if check.startswith("greater_than"):
        return f"{column} {value!r} is not a positive number"
    if check.startswith("str_matches"):
        return f"{column} {value!r} is not well-formed (expected {check[len('str_matches('):-1]})"
    if check.startswith("not_nullable"):
        return f"{column} is blank"
    return f"{column} {value!r} fails {check}"


def _problems(cases: pd.DataFrame, frame: pd.DataFrame, source: str) -> list[Problem]:
    """One Problem per failing (row, rule), located by the row's line in the sample table file."""
    position = {label: i for i, label in reversed(list(enumerate(frame.index)))}
    problems, seen = [], set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        rule = check.split("(", 1)[0]
        if rule in _ROW_RULES:
            check = rule
        row = None if case.index is None or pd.isna(case.index) else position.get(int(case.index))
        column = None if check in _ROW_RULES or case.column is None or pd.isna(case.column) else str(case.column)
        key = (row, check, column)
        if key in seen:
            continue
        seen.add(key)
        value = case.failure_case if column else None
        value = value.item() if hasattr(value, "item") else value  # numpy scalars print as plain values
        problems.append(Problem(CHECK, "error", _message(check, column, value), source,
                                None if row is None else row + 2, column))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or ""))


def write_sample_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Check ``table`` against the model and write it atomically (index written as ``line``)."""
    path = Path(path)
    frame = check_sample_table(table, str(path))
    if ACTION_UNITS in frame.columns:
        frame[ACTION_UNITS] = frame[ACTION_UNITS].astype("string").fillna(NOT_CODED)
    buf = io.StringIO()
    frame.rename_axis(INDEX).reset_index().to_csv(buf, index=False, lineterminator="\n")
    return write_text(path, buf.getvalue())


def read_sample_table(path: str | Path) -> pd.DataFrame:
    """The table as ``write_sample_table`` wrote it, typed and checked; SampleTableError otherwise."""
    path = Path(path)
    if path.is_dir():
        raise SampleTableError(f"{path} is a folder; a sample table is the CSV file that validating a release "
                               "writes")
    from ..bounded import InputRefused, read_bounded

    if not path.exists():
        raise SampleTableError(f"{path} does not exist; validating a release writes it")
    try:
        data = read_bounded(path, MAX_SAMPLE_TABLE_BYTES)
        header = next(csv.reader(io.StringIO(data.decode("utf-8"), newline="")), [])
    except InputRefused as exc:
        raise SampleTableError(f"cannot read {path}: {exc.reason}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SampleTableError(f"cannot read {path}: {exc}") from None
    if INDEX not in header:
        raise SampleTableError(f"{path} is not a sample table: its header has no {INDEX!r} column "
                               f"(header: {', '.join(header) or 'empty'})")
    nullable = [c for c in COLUMNS if _DTYPES[c] != "string" or c in FILE_COLUMNS]
    dtypes = {c: _DTYPES.get(c, EXTRA_DTYPES.get(c, "string")) for c in header if c != INDEX}
    nullable += [c for c in EXTRA_DTYPES if c in header]
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype={INDEX: "int64", **dtypes, ACTION_UNITS: "string"},
                            keep_default_na=False, na_values={**{c: [""] for c in nullable}, ACTION_UNITS: [NOT_CODED]})
    except (ValueError, TypeError) as exc:
        raise SampleTableError(f"{path}: a cell does not fit its column's type ({exc})") from None
    return check_sample_table(frame.set_index(INDEX), str(path))
