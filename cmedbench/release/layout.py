"""The two folder layouts of the CMED user guide, read by canonical label and written in its spelling.

``FinalFullVideos_subjects/{emotion}/{subject}/{filename}`` is the primary layout (the user guide's
path recipe); ``FinalFullVideos/{emotion}/{filename}`` is the optional flat copy. Folder names are
matched through the alias table, so ``Happy/`` and ``Happiness/`` both resolve to ``happiness``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .labels import LABELS, normalise_emotion, normalise_subject
from .metadata import METADATA_NAME
from .report import Problem

SUBJECTS_DIR = "FinalFullVideos_subjects"
FLAT_DIR = "FinalFullVideos"
CHECK = "layout"

# Folder and CSV spellings used when writing a release: the user guide's (Happy, Sad, No_Emotion,
# Subject_01) and, for the classes the guide does not show, Table II's class names.
RELEASE_EMOTION_NAME: dict[str, str] = {
    "anger": "Anger",
    "disgust": "Disgust",
    "fear": "Fear",
    "happiness": "Happy",
    "sadness": "Sad",
    "surprise": "Surprise",
    "no-me": "No_Emotion",
}


def release_subject_name(subject: str) -> str:
    """``sub_01`` -> ``Subject_01`` (user guide spelling)."""
    return "Subject_" + subject.split("_", 1)[1]


@dataclass
class LayoutIndex:
    """What is on disk: canonical emotion -> folder, (emotion, subject) -> folder, and every file."""

    root: Path
    has_subjects: bool
    has_flat: bool
    emotion_dirs: dict[str, str] = field(default_factory=dict)
    subject_dirs: dict[tuple[str, str], str] = field(default_factory=dict)
    flat_dirs: dict[str, str] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)  # release-relative paths of every file under both layouts
    problems: list[Problem] = field(default_factory=list)

    def subjects_path(self, emotion: str, subject: str, filename: str) -> str | None:
        edir = self.emotion_dirs.get(emotion)
        sdir = self.subject_dirs.get((emotion, subject))
        if edir is None or sdir is None:
            return None
        return f"{SUBJECTS_DIR}/{edir}/{sdir}/{filename}"

    def flat_path(self, emotion: str, filename: str) -> str | None:
        edir = self.flat_dirs.get(emotion)
        return None if edir is None else f"{FLAT_DIR}/{edir}/{filename}"


def _scan_dirs(parent: Path, normalise: Callable[[str], str | None], what: str, rel: str,
               problems: list[Problem]) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        entries = sorted(os.scandir(parent), key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(CHECK, "error", f"cannot list folder: {exc.strerror}", rel))
        return found
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            problems.append(Problem(CHECK, "error", f"unexpected file where {what} folders belong",
                                    f"{rel}/{entry.name}"))
            continue
        key = normalise(entry.name)
        if key is None:
            problems.append(Problem(CHECK, "error", f"folder name {entry.name!r} is not a known {what}",
                                    f"{rel}/{entry.name}"))
        elif key in found:
            problems.append(Problem(CHECK, "error",
                                    f"folders {found[key]!r} and {entry.name!r} both mean {what} {key!r}",
                                    f"{rel}/{entry.name}"))
        else:
            found[key] = entry.name
    return found


def _list_files(folder: Path, rel: str, index: LayoutIndex) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        index.problems.append(Problem(CHECK, "error", f"cannot list folder: {exc.strerror}", rel))
        return
    for entry in entries:
        if not entry.name.startswith("."):
            index.files.add(f"{rel}/{entry.name}")


def scan_layout(root: str | Path) -> LayoutIndex:
    """Index both layouts without reading any video."""
    root = Path(root)
    index = LayoutIndex(root, (root / SUBJECTS_DIR).is_dir(), (root / FLAT_DIR).is_dir())
    if not index.has_subjects:
        index.problems.append(Problem(CHECK, "error", f"release has no {SUBJECTS_DIR}/ folder", SUBJECTS_DIR))
    else:
        index.emotion_dirs = _scan_dirs(root / SUBJECTS_DIR, normalise_emotion, "emotion", SUBJECTS_DIR,
                                        index.problems)
        for emotion, edir in index.emotion_dirs.items():
            rel = f"{SUBJECTS_DIR}/{edir}"
            for subject, sdir in _scan_dirs(root / rel, normalise_subject, "subject", rel, index.problems).items():
                index.subject_dirs[(emotion, subject)] = sdir
                _list_files(root / rel / sdir, f"{rel}/{sdir}", index)
    if index.has_flat:
        index.flat_dirs = _scan_dirs(root / FLAT_DIR, normalise_emotion, "emotion", FLAT_DIR, index.problems)
        for edir in index.flat_dirs.values():
            _list_files(root / FLAT_DIR / edir, f"{FLAT_DIR}/{edir}", index)
    return index


def write_release(root: str | Path, table: pd.DataFrame, videos: Iterable[tuple[int, Path]] = (),
                  flat: bool = True, extra_columns: Iterable[str] = ()) -> Path:
    """Write a release folder in the user guide's spelling from a canonical table.

    ``videos`` yields (table row position, existing video file) pairs; each file is hard-linked (or
    copied) into the subjects layout and, when ``flat``, into the flat layout.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rows = table.reset_index(drop=True)
    for pos, src in videos:
        row = rows.iloc[pos]
        emotion_dir = RELEASE_EMOTION_NAME[row["emotion"]]
        targets = [root / SUBJECTS_DIR / emotion_dir / release_subject_name(row["subject"]) / row["filename"]]
        if flat:
            targets.append(root / FLAT_DIR / emotion_dir / row["filename"])
        for dst in targets:
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
    csv = pd.DataFrame({
        "subject": rows["subject"].map(release_subject_name),
        "filename": rows["filename"],
        "emotion": rows["emotion"].map(RELEASE_EMOTION_NAME),
        "apex_frame": rows["apex_frame"].astype("Int64"),
    })
    for col in extra_columns:
        csv[col] = rows[col]
    from ..atomic import write_text

    write_text(root / METADATA_NAME, csv.to_csv(index=False, lineterminator="\n"))
    return root


assert set(RELEASE_EMOTION_NAME) == set(LABELS)
