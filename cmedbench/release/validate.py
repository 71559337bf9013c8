"""One pass over a release that finds every problem at once and builds the canonical sample table.

Order: read the CSV -> canonical labels -> pandera schema -> folder layout -> file probes (both
layouts, orphans) -> profile counts -> fingerprint. Nothing here writes inside the release;
``validate_and_write`` writes the report and, for a valid release, the sample table next to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .fingerprint import dataset_fingerprint, sample_ids
from .layout import FLAT_DIR, LayoutIndex, scan_layout
from .metadata import METADATA_NAME, MetadataError, read_metadata
from .probe import VideoProbe, probe_many
from .profiles import Profile, check_profile, resolve
from .report import Problem, Report
from .sample_table import write_sample_table
from .schema import schema_yaml, validate_metadata

# The paper's recordings are 25 fps (Section III-A) and each split segment 300x300 (Section III-B).
EXPECTED_FPS = 25.0
EXPECTED_SIZE = (300, 300)


@dataclass
class Validation:
    report: Report
    table: pd.DataFrame | None  # canonical sample table (rows that passed labels), None if CSV unreadable
    fingerprint: str | None
    samples_written: Path | None = None  # where validate_and_write put the sample table, if it did


def validate_release(root: str | Path, profile: Profile, deep: bool = False, metadata_only: bool = False,
                     workers: int | None = None, progress: bool = False) -> Validation:
    root = Path(root)
    report = Report(release=str(root), profile=profile.name)
    report.add_check("metadata", f"{METADATA_NAME} is readable UTF-8 CSV with the required columns")
    report.add_check("labels", "emotion and subject spellings map to canonical labels")
    report.add_check("schema", "pandera schema: types, label set, apex rule, uniqueness, file names")
    try:
        meta = read_metadata(root / METADATA_NAME)
    except MetadataError as exc:
        report.extend(exc.problems)
        report.settle()
        return Validation(report, None, None)
    report.extend(meta.problems)
    table = meta.table
    # Rows whose labels could not be read are reported once (labels check) and kept out of the schema.
    unreadable = {p.line for p in meta.problems if p.check == "labels"}
    good = ~table.index.isin(list(unreadable))
    report.extend(validate_metadata(table[good], METADATA_NAME, raw=meta.raw))
    table = table[good].copy()
    table.insert(0, "sample_id", sample_ids(table))

    if metadata_only:
        for name, desc in (("layout", "both folder layouts"), ("files", "every row's video exists and decodes")):
            report.skip(name, desc, "--metadata-only")
    else:
        table = _check_files(root, table, report, deep, workers, progress)

    check_profile(profile, table, report, has_frames="n_frames" in table.columns, file=METADATA_NAME)
    fingerprint = dataset_fingerprint(table)
    report.summary.update(
        n_rows=int(len(meta.raw)), n_samples=int(len(table)), n_subjects=int(table["subject"].nunique()),
        classes={k: int(v) for k, v in table["emotion"].value_counts().sort_index().items()},
        fingerprint=fingerprint, files_hashed="sha256" in table.columns, deep=deep)
    report.problems[:] = meta.name_clips(report.problems)
    report.settle()
    return Validation(report, table, fingerprint)


def validate_and_write(root: str | Path, profile: str | Path = "none", *, report: str | Path | None = None,
                       samples: str | Path | None = None, deep: bool = False, metadata_only: bool = False,
                       workers: int | None = None, progress: bool = False) -> Validation:
    """Validate ``root`` against a profile (a name, a path or ``auto``, see ``profiles.resolve``).

    Writes the JSON report and the schema it was checked against (``<report>.schema.yaml``) when
    ``report`` is given, and the canonical sample table when ``samples`` is given and the release is
    valid: an invalid release gets no table, so nothing downstream can run on it.
    """
    result = validate_release(root, resolve(profile, root), deep=deep, metadata_only=metadata_only,
                              workers=workers, progress=progress)
    if report is not None:
        from ..atomic import write_text

        report = Path(report)
        write_text(report, json.dumps(result.report.to_dict(), indent=2, default=str) + "\n")
        write_text(report.with_name(report.stem + ".schema.yaml"), schema_yaml())
    if samples is not None and result.report.valid:
        result.samples_written = write_sample_table(result.table, samples)
    return result


def _check_files(root: Path, table: pd.DataFrame, report: Report, deep: bool, workers: int | None,
                 progress: bool) -> pd.DataFrame:
    layout_check = report.add_check("layout", "both folder layouts: known folder names, no orphan files")
    files_check = report.add_check("files", "every row's video exists, decodes and holds its apex frame")
    index = scan_layout(root)
    report.extend(index.problems)

    paths = [index.subjects_path(e, s, f) for e, s, f in zip(table["emotion"], table["subject"], table["filename"])]
    table["path"] = pd.Series(paths, index=table.index, dtype="string")
    flat_paths = ([index.flat_path(e, f) for e, f in zip(table["emotion"], table["filename"])]
                  if index.has_flat else [None] * len(table))
    wanted = [p for p in paths if p] + [p for p in flat_paths if p]
    probes = probe_many(root, wanted, deep=deep, workers=workers, progress=progress)

    n_frames, fps, width, height, digest = [], [], [], [], []
    for line, path, flat, apex in zip(table.index, paths, flat_paths, table["apex_frame"]):
        probe = _probe_row(root, index, path, flat, probes, int(line), apex, report, files_check.name)
        n_frames.append(probe.n_frames if probe and probe.ok else None)
        fps.append(probe.fps if probe and probe.ok else None)
        width.append(probe.width if probe and probe.ok else None)
        height.append(probe.height if probe and probe.ok else None)
        digest.append(probe.sha256 if probe else None)
    table["n_frames"] = pd.array(n_frames, dtype="Int64")
    table["fps"] = pd.array(fps, dtype="Float64")
    table["width"] = pd.array(width, dtype="Int64")
    table["height"] = pd.array(height, dtype="Int64")
    table["sha256"] = pd.array(digest, dtype="string")

    claimed = set(p for p in paths if p) | set(p for p in flat_paths if p)
    orphans = sorted(index.files - claimed)
    for orphan in orphans:
        report.add(Problem(layout_check.name, "error", "file has no row in the metadata CSV", orphan))
    layout_check.counts.update(has_flat=index.has_flat, orphans=len(orphans))
    _flat_duplicates(table, flat_paths, report, layout_check.name)
    return table


def _probe_row(root: Path, index: LayoutIndex, path: str | None, flat: str | None,
               probes: dict[str, VideoProbe], line: int, apex, report: Report, check: str) -> VideoProbe | None:
    def problem(message: str, file: str | None = METADATA_NAME, severity: str = "error", column=None, value=None):
        report.add(Problem(check, severity, message, file, line, column, value))

    if path is None:
        problem("no folder for this row's emotion/subject under FinalFullVideos_subjects/")
        return None
    probe = probes[path]
    if not _inside(root, path):
        problem("resolves outside the release folder (symlink?)", path)
        return None
    if not probe.ok:
        problem(probe.error, path)
        return probe
    if flat is None and index.has_flat:
        problem(f"{FLAT_DIR}/ has no folder for this row's emotion")
    elif flat is not None:
        fprobe = probes[flat]
        if not fprobe.ok:
            problem(f"flat-layout copy: {fprobe.error}", flat)
        elif fprobe.sha256 != probe.sha256:
            problem(f"flat-layout copy differs from {path} (content hash)", flat)
    if probe.header_frames is not None and probe.n_frames != probe.header_frames:
        problem(f"container header says {probe.header_frames} frames, {probe.n_frames} decode", path, "warning")
    if apex is not pd.NA and apex is not None and probe.n_frames is not None and int(apex) >= probe.n_frames:
        problem(f"apex_frame {int(apex)} is past the clip's last frame ({probe.n_frames} frames)", path,
                column="apex_frame", value=int(apex))
    if abs((probe.fps or 0) - EXPECTED_FPS) > 0.01:
        problem(f"{probe.fps:g} fps, CMED clips are {EXPECTED_FPS:g} fps", path, "warning", "fps", probe.fps)
    if (probe.width, probe.height) != EXPECTED_SIZE:
        problem(f"{probe.width}x{probe.height}, CMED clips are {EXPECTED_SIZE[0]}x{EXPECTED_SIZE[1]}", path,
                "warning", "size", f"{probe.width}x{probe.height}")
    return probe


def _inside(root: Path, rel: str) -> bool:
    try:
        (root / rel).resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _flat_duplicates(table: pd.DataFrame, flat_paths: list, report: Report, check: str) -> None:
    """Two subjects' clips with one file name cannot both live in one flat emotion folder."""
    seen: dict[str, int] = {}
    for line, flat in zip(table.index, flat_paths):
        if flat is None:
            continue
        if flat in seen:
            report.add(Problem(check, "error", f"{FLAT_DIR} can hold only one of these: same file name as line "
                                               f"{seen[flat]}", flat, int(line)))
        else:
            seen[flat] = int(line)
