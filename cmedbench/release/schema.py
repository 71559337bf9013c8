"""The release contract as a pandera model: what every metadata row must be (the sample table's
model extends it, in sample_table.py).

Validation is lazy (all failures at once) and each failure is turned into a located Problem.
The metadata model is exported with ``to_yaml`` next to a validation report so that a release carries
the contract it was checked against.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera import extensions
from pandera.errors import SchemaErrors
from pandera.typing import Series

from .labels import LABELS, NO_ME
from .report import Problem

VIDEO_NAME = r"^[^/\\\x00]+\.(?i:mp4|avi|mov|mkv|webm|m4v)$"
SUBJECT_ID = r"^sub_\d{2,}$"
CHECK = "schema"


@extensions.register_check_method(statistics=["no_me_label"], supported_types=pd.DataFrame)
def emotion_rows_have_an_apex(df: pd.DataFrame, *, no_me_label: str) -> pd.Series:
    """The paper's stage 1 notes an apex frame for every emotion clip."""
    return (df["emotion"] == no_me_label) | df["apex_frame"].notna()


@extensions.register_check_method(statistics=["no_me_label"], supported_types=pd.DataFrame)
def no_me_rows_have_no_apex(df: pd.DataFrame, *, no_me_label: str) -> pd.Series:
    """User guide: a No-ME clip has no apex."""
    return (df["emotion"] != no_me_label) | df["apex_frame"].isna()


ROW_CHECKS = ("emotion_rows_have_an_apex", "no_me_rows_have_no_apex")  # dataframe-wide, one row each
APEX_MESSAGES = {  # what each apex rule tells the curator (the sample table's checker says the same)
    "emotion_rows_have_an_apex": "emotion row lacks an apex: apex_frame is blank (every emotion clip needs its "
                                 "apex frame)",
    "no_me_rows_have_no_apex": "No-ME row has an apex; leave apex_frame blank on No-ME rows",
}


class MetadataModel(pa.DataFrameModel):
    """One row of ``video_emotion_metadata.csv`` after canonicalisation (index = CSV line)."""

    subject: Series[pd.StringDtype] = pa.Field(str_matches=SUBJECT_ID)
    filename: Series[pd.StringDtype] = pa.Field(str_matches=VIDEO_NAME)
    emotion: Series[pd.StringDtype] = pa.Field(isin=list(LABELS))
    apex_frame: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)

    class Config:
        unique = ["emotion", "subject", "filename"]
        emotion_rows_have_an_apex = {"no_me_label": NO_ME}
        no_me_rows_have_no_apex = {"no_me_label": NO_ME}
        strict = False
        name = "cmed_metadata"
        description = "video_emotion_metadata.csv of a CMED-layout release, canonical labels"


def _describe(check: str, column: str | None, value: str | None) -> str:
    """The problem in the curator's words; ``value`` is the cell as the CSV spells it."""
    if check == "no_me_rows_have_no_apex":
        return APEX_MESSAGES[check].replace("apex;", f"apex (apex_frame {value!r});")
    if check in APEX_MESSAGES:
        return APEX_MESSAGES[check]
    if check.startswith("str_matches") and column == "filename":
        return f"filename {value!r} is not a plain video file name (no folders, .mp4/.avi/.mov/.mkv/.webm)"
    if check == "field_uniqueness" or check.startswith("multiple_fields_uniqueness"):
        return "duplicate (emotion, subject, filename)"
    if check.startswith("isin"):
        return f"{column} {value!r} is not a known label"
    if check.startswith("greater_than_or_equal_to"):
        return f"{column} {value!r} is negative"
    return f"{column} {value!r} fails {check}"


def _as_written(table: pd.DataFrame, raw: pd.DataFrame | None, line: int, column: str | None) -> str | None:
    """A cell as the user wrote it (from ``raw`` when given), else the plain text of the parsed value."""
    source = raw if raw is not None and column in raw.columns and line in raw.index else table
    if column not in source.columns:
        return None
    value = source.at[line, column]
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value.item() if hasattr(value, "item") else value)


def validate_metadata(table: pd.DataFrame, file: str, raw: pd.DataFrame | None = None) -> list[Problem]:
    """Run MetadataModel lazily; one Problem per failing (line, rule), located by line, column, subject
    and clip, with values as ``raw`` (the CSV's own cells, same index) spells them."""
    columns = ["subject", "filename", "emotion", "apex_frame"]
    try:
        MetadataModel.validate(table[columns], lazy=True)
    except SchemaErrors as exc:
        return _problems(exc.failure_cases, table, file, raw)
    return []


def _problems(cases: pd.DataFrame, table: pd.DataFrame, file: str, raw: pd.DataFrame | None) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for case in cases.itertuples(index=False):
        check, column, line = str(case.check), case.column, case.index
        if line is None or pd.isna(line):
            problems.append(Problem(CHECK, "error", f"{column}: {check} ({case.failure_case})", file, None, column))
            continue
        line = int(line)
        row_check = next((name for name in ROW_CHECKS if check.startswith(name)), None)
        key = (line, row_check or check)  # one report per line and rule, whatever columns pandera lists
        if key in seen:
            continue
        seen.add(key)
        if row_check:
            check, column = row_check, "apex_frame"
        elif "uniqueness" in check:
            dup = table[["emotion", "subject", "filename"]]
            first = int(dup.index[(dup == dup.loc[line]).all(axis=1)][0])
            if first == line:  # the first occurrence is the original, the later ones are the duplicates
                continue
            column = "filename"
        value = _as_written(table, raw, line, column)
        message = _describe(check, column, value)
        if "uniqueness" in check:
            message += f" (first on line {first})"
        problems.append(Problem(CHECK, "error", message, file, line, column, value,
                                _as_written(table, raw, line, "subject"), _as_written(table, raw, line, "filename")))
    return problems


def schema_yaml() -> str:
    return MetadataModel.to_schema().to_yaml()
