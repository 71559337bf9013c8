"""Long-video releases of CAS(ME)^2 and SAMM Long Videos from the datasets' own folders, frames
referenced in place (nothing is copied or re-encoded), so ``me-spotting-long`` runs on them.

Layouts, as public MEGC spotting code reads them (SOFTNet-style loaders; the datasets are not here):

* CAS(ME)^2: ``rawpic/s<NN>/<NN>_<code><name>/img<N>.jpg`` (``rawpic/s15/15_0101disgustingteeth/img1.jpg``),
  30 fps; the video id is ``<NN>_<code>`` (``15_0101``), the participant ``s<NN>``; the annotation
  workbook ``CAS(ME)^2code_final.xlsx`` (``annotations.read_casme2``).
* SAMM Long Videos: ``SAMM_longvideos/<SSS>_<n>/*.jpg`` (``SAMM_longvideos/006_1/...``), 200 fps; the
  video id is the folder name, the participant its first part; the workbook
  ``SAMM_LongVideos_V*_Release.xlsx`` (``annotations.read_samm_long``).

The release (same files as ``longvideo``'s, plus the link to the dataset):

```
release/
  source -> the dataset folder (a symlink)
  videos/<video_id>.frames   the video's images in frame-number order, through source/
  videos.csv, events.csv, manifest.json
```

Frame numbers: an annotation's onset/apex/offset is the number in an image's file name (``img46.jpg``
is frame 46, as the clip adapters read CASME II); the release numbers a video's frames from 0 in
frame-number order, so an event is moved to the positions of those images. Not confirmed on the real
files: that the annotations count in file-name numbers (and not from 0 or 1 regardless of the names).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..atomic import staged_dir, write_text
from ..problems import Problem
from ..release.frames import frame_number, list_frame_folder, write_frame_list
from .longvideo import EVENT_COLUMNS, FORMAT, VIDEO_COLUMNS, csv_text

CHECK = "long-video import"
SOURCE_LINK = "source"


class DatasetLayoutError(ValueError):
    """The dataset folder does not have the expected layout, or its annotations do not fit its frames;
    every problem is listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); first: {problems[0].location()}: {problems[0].message}")


@dataclass(frozen=True)
class LongDataset:
    name: str
    fps: float
    frames_folder: str  # where the per-video folders sit, relative to the source
    folder_pattern: str  # a video folder's name (group 1: the video id)
    annotation_glob: str


CASME2 = LongDataset("casme2-long", 30.0, "rawpic/*", r"^(\d+_\d{4})", "*code_final*.xls*")
SAMM = LongDataset("samm-long", 200.0, "SAMM_longvideos", r"^(\d{3}_\d+)$", "SAMM_LongVideos*.xls*")
LONG_DATASETS = {d.name: d for d in (CASME2, SAMM)}


@dataclass(frozen=True)
class VideoFolder:
    video_id: str
    participant: str
    folder: Path


def video_folders(source: Path, dataset: LongDataset) -> list[VideoFolder]:
    """Every video folder of ``source`` (sorted by video id); two folders with one id are an error."""
    pattern = re.compile(dataset.folder_pattern)
    found: dict[str, VideoFolder] = {}
    problems = []
    for parent in sorted(p for p in source.glob(dataset.frames_folder) if p.is_dir()):
        for folder in sorted(p for p in parent.iterdir() if p.is_dir()):
            m = pattern.match(folder.name)
            if not m:
                continue
            vid = m.group(1)
            participant = parent.name if dataset is CASME2 else vid.split("_")[0]
            if vid in found:
                problems.append(Problem(CHECK, "error", f"video {vid} has two folders: {found[vid].folder.name} and "
                                                        f"{folder.name}", str(folder.relative_to(source))))
                continue
            found[vid] = VideoFolder(vid, participant, folder)
    if problems:
        raise DatasetLayoutError(problems)
    if not found:
        raise DatasetLayoutError([Problem(CHECK, "error", f"no video folder under {dataset.frames_folder}/ "
                                                          f"(expected names like {dataset.folder_pattern})",
                                          str(source))])
    return [found[v] for v in sorted(found)]


def find_annotations(source: Path, dataset: LongDataset) -> Path:
    hits = sorted(p for p in source.rglob(dataset.annotation_glob) if p.is_file() and not p.name.startswith("~$"))
    if len(hits) != 1:
        what = "no" if not hits else f"{len(hits)}"
        raise DatasetLayoutError([Problem(CHECK, "error", f"{what} annotation workbook matching "
                                                          f"{dataset.annotation_glob} (name one explicitly)",
                                          str(source))])
    return hits[0]


def read_events(path: Path, dataset: LongDataset):
    from .annotations import read_casme2, read_samm_long

    return read_casme2(path) if dataset is CASME2 else read_samm_long(path)


def _image_size(path: Path) -> tuple[int, int]:
    from ..release.frames import read_image

    h, w = read_image(path).shape[:2]
    return w, h


def _whole_or_none(value) -> int | None:
    try:
        return None if value is None or str(value) in ("", "<NA>", "nan") else int(value)
    except (TypeError, ValueError):
        return None


def place_events(events, folders: dict[str, VideoFolder], numbers: dict[str, list[int]], annotation: str
                 ) -> tuple[list[tuple], list[Problem]]:
    """Events as rows of events.csv (positions in the video's frame order) and every problem: a video
    with no folder, a participant that differs from the folder's, a frame number the folder lacks."""
    rows, problems = [], []
    for k, e in enumerate(events.to_dict("records")):
        vid, on, off = e["video_id"], int(e["onset"]), int(e["offset"])
        clip = f"event {k + 1}: {vid} {on}-{off}"
        folder = folders.get(vid)
        if folder is None:
            problems.append(Problem(CHECK, "error", f"{clip}: no frame folder for this video", annotation,
                                    column="video_id"))
            continue
        if str(e["participant"]) != folder.participant:
            problems.append(Problem(CHECK, "error", f"{clip}: participant {e['participant']} but the video's folder "
                                                    f"sits under {folder.participant}", annotation, column="participant"))
            continue
        position = {n: i for i, n in enumerate(numbers[vid])}
        missing = [n for n in (on, off) if n not in position]
        if missing:
            problems.append(Problem(CHECK, "error", f"{clip}: frame {missing[0]} is not among the folder's frames "
                                                    f"({numbers[vid][0]}..{numbers[vid][-1]})", annotation,
                                    column="onset" if missing[0] == on else "offset"))
            continue
        apex = _whole_or_none(e["apex"])
        rows.append((vid, position[on], "" if apex not in position else position[apex], position[off], e["class"],
                     e["type"]))
    return rows, problems


def build_dataset_long_release(name: str, source: Path, out: Path, annotations: Path | None = None,
                               force: bool = False) -> dict:
    """The long-video release of dataset ``name`` (``casme2-long`` or ``samm-long``) at ``source``;
    returns its manifest. Every layout or annotation problem is raised at once (``DatasetLayoutError``)."""
    dataset = LONG_DATASETS[name]
    source = Path(source).resolve()
    if not source.is_dir():
        raise DatasetLayoutError([Problem(CHECK, "error", "not a folder", str(source))])
    folders = {f.video_id: f for f in video_folders(source, dataset)}
    annotation = Path(annotations) if annotations is not None else find_annotations(source, dataset)
    events = read_events(annotation, dataset)
    images, numbers, problems = {}, {}, []
    for vid, f in folders.items():
        images[vid] = list_frame_folder(f.folder)
        numbers[vid] = [frame_number(p.name) for p in images[vid]]
        if not images[vid] or None in numbers[vid]:
            problems.append(Problem(CHECK, "error", "no images with a frame number in their names",
                                    str(f.folder.relative_to(source))))
    if problems:
        raise DatasetLayoutError(problems)
    rows, problems = place_events(events, folders, numbers, annotation.name)
    if problems:
        raise DatasetLayoutError(problems)
    with staged_dir(out, force) as tmp:
        os.symlink(source, tmp / SOURCE_LINK, target_is_directory=True)
        (tmp / "videos").mkdir()
        videos = []
        for vid, f in folders.items():
            listed = [tmp / SOURCE_LINK / p.relative_to(source) for p in images[vid]]
            write_text(tmp / "videos" / f"{vid}.frames", write_frame_list(tmp / "videos" / f"{vid}.frames", listed))
            w, h = _image_size(images[vid][0])
            videos.append((vid, f.participant, f"videos/{vid}.frames", len(images[vid]), dataset.fps, w, h,
                           f.folder.relative_to(source).as_posix(), numbers[vid][0], 0, 0))
        write_text(tmp / "videos.csv", csv_text(VIDEO_COLUMNS, videos))
        write_text(tmp / "events.csv", csv_text(EVENT_COLUMNS, sorted(rows, key=lambda r: (r[0], r[1], r[3]))))
        manifest = {"format": FORMAT, "n_videos": len(videos), "n_events": len(rows),
                    "n_participants": len({v[1] for v in videos}), "events_left_out_crossing_a_cut": 0,
                    "source": {"dataset": name, "folder": str(source), "annotations": str(annotation),
                               "frames": "referenced in place through source/ (frame lists)",
                               "frame_numbers": "events moved from file-name numbers to positions from 0"}}
        write_text(tmp / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
