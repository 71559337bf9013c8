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
def apex_present_exactly_on_emotion_rows(df: pd.DataFrame, *, no_me_label: str) -> pd.Series:
    """User guide: apex only on emotion samples; the paper's stage 1 notes it for every emotion."""
    is_me = df["emotion"] != no_me_label
    has_apex = df["apex_frame"].notna()
    return (is_me & has_apex) | (~is_me & ~has_apex)


class MetadataModel(pa.DataFrameModel):
    """One row of ``video_emotion_metadata.csv`` after canonicalisation (index = CSV line)."""

    subject: Series[pd.StringDtype] = pa.Field(str_matches=SUBJECT_ID)
    filename: Series[pd.StringDtype] = pa.Field(str_matches=VIDEO_NAME)
    emotion: Series[pd.StringDtype] = pa.Field(isin=list(LABELS))
    apex_frame: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)

    class Config:
        unique = ["emotion", "subject", "filename"]
        apex_present_exactly_on_emotion_rows = {"no_me_label": NO_ME}
        strict = False
        name = "cmed_metadata"
        description = "video_emotion_metadata.csv of a CMED-layout release, canonical labels"


def _describe(check: str, column: str | None, value: object) -> str:
    if check == "apex_present_exactly_on_emotion_rows":
        return "apex_frame must be given on emotion rows and blank on No-ME rows"
    if check.startswith("str_matches") and column == "filename":
        return f"filename {value!r} is not a plain video file name (no folders, .mp4/.avi/.mov/.mkv/.webm)"
    if check == "field_uniqueness" or check.startswith("multiple_fields_uniqueness"):
        return "duplicate (emotion, subject, filename)"
    if check.startswith("isin"):
        return f"{column} {value!r} is not a known label"
    if check.startswith("greater_than_or_equal_to"):
        return f"{column} {value!r} is negative"
    return f"{column} {value!r} fails {check}"


def validate_metadata(table: pd.DataFrame, file: str) -> list[Problem]:
    """Run MetadataModel lazily; one Problem per failing (line, column)."""
    columns = ["subject", "filename", "emotion", "apex_frame"]
    try:
        MetadataModel.validate(table[columns], lazy=True)
    except SchemaErrors as exc:
        return _problems(exc.failure_cases, table, file)
    return []


def _problems(cases: pd.DataFrame, table: pd.DataFrame, file: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for case in cases.itertuples(index=False):
        check, column, line = str(case.check), case.column, case.index
        if line is None or pd.isna(line):
            problems.append(Problem(CHECK, "error", f"{column}: {check} ({case.failure_case})", file, None, column))
            continue
        line = int(line)
        key = (line, check)  # one report per line and rule, whatever columns pandera lists
        if key in seen:
            continue
        seen.add(key)
        if check.startswith("apex_present_exactly_on_emotion_rows"):
            check, column = "apex_present_exactly_on_emotion_rows", "apex_frame"
        elif "uniqueness" in check:
            dup = table[["emotion", "subject", "filename"]]
            first = int(dup.index[(dup == dup.loc[line]).all(axis=1)][0])
            if first == line:  # the first occurrence is the original, the later ones are the duplicates
                continue
            column = "filename"
        value = table.at[line, column] if column in table.columns else None
        if isinstance(value, type(pd.NA)):
            value = None
        message = _describe(check, column, value)
        if "uniqueness" in check:
            message += f" (first on line {first})"
        problems.append(Problem(CHECK, "error", message, file, line, column,
                                value.item() if hasattr(value, "item") else value))
    return problems


def schema_yaml() -> str:
    return MetadataModel.to_schema().to_yaml()
