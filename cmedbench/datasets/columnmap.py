"""DFME's column map: which label-table columns hold what, and where each clip's frames are.

DFME's distributed label format is not public, so the adapter reads through a map rather than fixed
names. The packaged default (``maps/dfme.yaml``, key ``columns``) is a documented guess; a user's
YAML file replaces any of its keys (``columns`` entries one by one). A malformed map is refused with
the file and the key at fault.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import yaml

FIELDS = ("subject", "clip", "onset", "apex", "offset", "action_units", "emotion")
OPTIONAL_FIELDS = ("part",)
PLACEHOLDERS = ("part", "subject", "clip")
KEYS = ("label_files", "columns", "frames")


class ColumnMapError(ValueError):
    """A column map that is unreadable or malformed (names its file and key)."""


@dataclass(frozen=True)
class ColumnMap:
    label_files: tuple[str, ...]  # globs under the dataset folder
    columns: dict[str, str | None]  # field -> the label table's column name (part: None = from the path)
    frames: str  # the clip's frame folder under the dataset folder, with {part} {subject} {clip}
    source: str  # where the map came from (packaged default or the user's file)

    def required(self) -> tuple[str, ...]:
        return tuple(self.columns[f] for f in FIELDS + OPTIONAL_FIELDS if self.columns.get(f))


def merged_map(default: dict, override_file: str | Path | None) -> ColumnMap:
    """The packaged default with the user's file (if any) laid over it, checked."""
    data = {**default, "columns": dict(default.get("columns") or {})}
    where = "packaged DFME column map"
    if override_file is not None:
        where = str(override_file)
        try:
            user = yaml.safe_load(Path(override_file).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ColumnMapError(f"{where}: cannot read as YAML ({type(exc).__name__}: {exc})") from None
        if user is None:
            user = {}
        if not isinstance(user, dict):
            raise ColumnMapError(f"{where}: a column map is a mapping with keys {', '.join(KEYS)}")
        unknown = sorted(set(map(str, user)) - set(KEYS))
        if unknown:
            raise ColumnMapError(f"{where}: unknown key(s) {unknown}; known: {', '.join(KEYS)}")
        cols = user.get("columns")
        if cols is not None and not isinstance(cols, dict):
            raise ColumnMapError(f"{where}: key 'columns' must map fields to column names")
        data.update({k: v for k, v in user.items() if k != "columns"})
        data["columns"].update(cols or {})
    return _checked(data, where)


def _checked(data: dict, where: str) -> ColumnMap:
    globs = data.get("label_files")
    if isinstance(globs, str):
        globs = [globs]
    if not globs or not all(isinstance(g, str) and g.strip() for g in globs):
        raise ColumnMapError(f"{where}: key 'label_files' must list one or more file patterns (e.g. '*.xlsx')")
    columns = data["columns"]
    unknown = sorted(set(map(str, columns)) - set(FIELDS + OPTIONAL_FIELDS))
    if unknown:
        raise ColumnMapError(f"{where}: columns: unknown field(s) {unknown}; fields: "
                             f"{', '.join(FIELDS + OPTIONAL_FIELDS)}")
    for name in FIELDS:
        if not isinstance(columns.get(name), str) or not columns[name].strip():
            raise ColumnMapError(f"{where}: columns.{name} must name the label table's column")
    if columns.get("part") is not None and (not isinstance(columns["part"], str) or not columns["part"].strip()):
        raise ColumnMapError(f"{where}: columns.part must name a column, or be null (part from the file's path)")
    frames = data.get("frames")
    if not isinstance(frames, str) or not frames.strip():
        raise ColumnMapError(f"{where}: key 'frames' must be a folder pattern such as 'PART_{{part}}/{{subject}}/{{clip}}'")
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(frames) if name is not None}
    except ValueError as exc:
        raise ColumnMapError(f"{where}: frames {frames!r}: {exc}") from None
    bad = sorted(used - set(PLACEHOLDERS))
    if bad or "clip" not in used:
        raise ColumnMapError(f"{where}: frames {frames!r} must use {{clip}} and only "
                             f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}" + (f" (not {bad})" if bad else ""))
    return ColumnMap(tuple(globs), {k: (v.strip() if isinstance(v, str) else v) for k, v in columns.items()},
                     frames, where)
