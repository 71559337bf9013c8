"""`cmedbench import`: a dataset's own distribution -> a release the rest of the pipeline reads.

The release references the dataset in place (nothing is copied):

    RELEASE/source -> the dataset folder (a symlink)
    RELEASE/clips/<subject>/<clip>.frames   one frame list per sample (onset..offset, via source/)
    RELEASE/samples.csv                     the canonical sample table (written only when valid)
    RELEASE/validation.json                 every problem, located; errata applied; counts vs profile
    RELEASE/dataset.json                    dataset, source, fps, label map used

Feature stages read it like any release: ``--samples RELEASE/samples.csv --release RELEASE``.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..atomic import staged_dir, write_text
from ..release.counts import check_counts
from ..release.fingerprint import dataset_fingerprint, sample_ids
from ..release.frames import FRAME_LIST_SUFFIX, write_frame_list
from ..release.probe import probe_many
from ..release.report import Problem, Report
from ..release.sample_table import write_sample_table
from . import ADAPTERS
from .build import CHECK, build_rows
from .columnmap import ColumnMapError
from .sheets import SheetError
from .spec import load_spec

SAMPLES_NAME = "samples.csv"
REPORT_NAME = "validation.json"
DATASET_NAME = "dataset.json"
SOURCE_LINK = "source"


class DatasetSourceError(ValueError):
    """The dataset folder does not exist or is not a folder."""


@dataclass
class ImportResult:
    report: Report
    out: Path
    samples: Path | None  # the sample table, None when the import found errors


PROFILES = ("published", "none")


def import_dataset(name: str, source: str | Path, out: str | Path, *, profile: str = "published",
                   force: bool = False, deep: bool = False, workers: int | None = None,
                   progress: bool = False, column_map: str | Path | None = None) -> ImportResult:
    """Read dataset ``name`` from ``source`` and write the release ``out`` (always with its report;
    with a sample table only when nothing is wrong). ``profile``: ``published`` checks the dataset's
    published counts, ``none`` skips them (a subset, a fixture). ``column_map``: a YAML file laid over
    the dataset's default column map (DFME only). Raises UnknownDataset, DatasetSourceError,
    ColumnMapError, atomic.OutputExists."""
    spec = load_spec(name)
    adapter = importlib.import_module(ADAPTERS[name])
    if column_map is not None:
        if not getattr(adapter, "SUPPORTS_COLUMN_MAP", False):
            raise ColumnMapError(f"{spec.title} is read by its published column names; a column map applies to "
                                 f"{', '.join(n for n, m in ADAPTERS.items() if m.endswith('.dfme'))} only")
        adapter.column_map(spec, column_map)  # refuse a malformed map before anything is written
        spec = replace(spec, raw={**spec.raw, "column_map_file": str(Path(column_map).resolve())})
    source = Path(source).resolve()
    if not source.is_dir():
        raise DatasetSourceError(f"{source} is not a folder holding {spec.title}")
    out = Path(out)
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    report = Report(release=str(out), profile=f"{name} ({profile})")
    report.add_check("labels", f"{spec.title} label file or folder tree is readable, with its columns")
    report.add_check(CHECK, "every sample: known label, AU string, frame folder, onset <= apex <= offset, "
                            "no frame missing")
    try:
        records = adapter.read_records(source, spec)
    except SheetError as exc:
        report.add(Problem("labels", "error", str(exc).replace(str(source) + "/", "")))
        records = []
    built = build_rows(records, source, spec)
    report.extend(built.problems)
    report.checks[-1].counts.update(records=len(records), errata_applied=built.applied)

    with staged_dir(out, force=force) as tmp:
        os.symlink(source, tmp / SOURCE_LINK, target_is_directory=True)
        table = _table(built, spec, tmp, source)
        if len(table):
            _probe(table, tmp, report, deep, workers, progress)
        if profile == "published":
            check_counts(spec.profile, table, report, spec.title, None)
            _check_parts(spec, table, report)
        report.summary.update(dataset=name, source=str(source), files_hashed=bool(len(table)), n_records=len(records), n_samples=len(table),
                              n_subjects=int(table["subject"].nunique()) if len(table) else 0,
                              classes={k: int(v) for k, v in table["emotion"].value_counts().sort_index().items()}
                              if len(table) else {})
        report.settle()
        samples = None
        if report.valid and len(table):
            report.summary["fingerprint"] = dataset_fingerprint(table)
            write_sample_table(table, tmp / SAMPLES_NAME)
            samples = out / SAMPLES_NAME
        write_text(tmp / REPORT_NAME, json.dumps(report.to_dict(), indent=2, default=str) + "\n")
        write_text(tmp / DATASET_NAME, json.dumps({"dataset": name, "title": spec.title, "source": str(source),
                                                   "fps": spec.fps, "spec": spec.raw}, indent=2, default=str) + "\n")
    return ImportResult(report, out, samples)


def _table(built, spec, root: Path, source: Path) -> pd.DataFrame:
    """Sample-table rows with their frame lists written under ``root/clips``."""
    paths = []
    for row, frames in zip(built.rows, built.frames):
        rel = Path("clips") / row["subject"] / f"{row['filename']}{FRAME_LIST_SUFFIX}"
        linked = [root / SOURCE_LINK / f.relative_to(source) for f in frames]
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write_text(root / rel, write_frame_list(root / rel, linked))
        paths.append(rel.as_posix())
    table = pd.DataFrame(built.rows)
    if table.empty:
        return pd.DataFrame(columns=["sample_id", "subject", "filename", "emotion", "apex_frame"])
    table.index = pd.RangeIndex(2, 2 + len(table))  # the row's line in samples.csv
    table["path"] = paths
    table["fps"] = table["fps"].fillna(spec.fps).astype(float) if "fps" in table else spec.fps
    for col in ("apex_frame", "onset_number", "apex_number", "offset_number", "label_line"):
        table[col] = table[col].astype("Int64")
    for col in ("action_units", "action_units_published", "objective_class"):
        table[col] = table[col].astype("string")
    table["apex_published"] = table["apex_published"].astype("boolean")
    table.insert(0, "sample_id", sample_ids(table))
    return table


def _check_parts(spec, table: pd.DataFrame, report: Report) -> None:
    """Each part's published counts (DFME's A/B/C), one check per part, on that part's rows."""
    advisory = spec.raw.get("part_profile_advisory") or []
    for part, facts in (spec.raw.get("parts") or {}).items():
        if facts.get("profile"):
            rows = table[table["part"] == part] if "part" in table else table.iloc[0:0]
            check_counts({**facts["profile"], "advisory": advisory, "source": spec.profile.get("source")}, rows,
                         report, f"{spec.title} part {part}", None, f"profile.counts.part-{part}")


def _probe(table: pd.DataFrame, root: Path, report: Report, deep: bool, workers: int | None,
           progress: bool) -> None:
    """Probe every frame list (frames exist and decode); fill the table's file columns."""
    report.add_check("files", "every clip's frames exist and decode" + (" (every frame)" if deep else ""))
    probes = probe_many(root, table["path"].tolist(), deep=deep, workers=workers, progress=progress)
    for col in ("n_frames", "width", "height", "sha256"):
        values = []
        for line, path, subject, clip in zip(table.index, table["path"], table["subject"], table["filename"]):
            probe = probes[path]
            values.append(getattr(probe, col) if probe.ok else None)
            if col == "n_frames" and not probe.ok:
                report.add(Problem("files", "error", probe.error, SAMPLES_NAME, int(line), "path", path, subject,
                                   clip))
        table[col] = pd.array(values, dtype="string" if col == "sha256" else "Int64")
