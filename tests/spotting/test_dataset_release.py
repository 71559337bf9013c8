"""Long-video releases from CAS(ME)^2 and SAMM Long Videos folders (small fixtures in their layouts),
frames referenced in place, and me-spotting-long running on one."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from cmedbench.spotting.dataset_release import DatasetLayoutError, build_dataset_long_release

from .workbooks import write_book

openpyxl = pytest.importorskip("openpyxl")
CLI = [sys.executable, "-m", "cmedbench.cli"]


def _frames(folder, names, seed=0, size=(48, 64)):
    """Grey noise images with a bright square that moves (a stand-in face), one per name."""
    import cv2

    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i, name in enumerate(names):
        img = rng.integers(0, 40, size).astype(np.uint8)
        img[10:20, 10 + i % 5:20 + i % 5] = 220
        cv2.imwrite(str(folder / name), img)


def _casme2(root, n=40):
    """rawpic/s15/15_0101disgustingteeth, rawpic/s15/15_0401girlcrashing, rawpic/s16/16_0101...: img1..imgN."""
    for sub, vid in (("s15", "15_0101disgustingteeth"), ("s15", "15_0401girlcrashing"),
                     ("s16", "16_0101disgustingteeth")):
        _frames(root / "rawpic" / sub / vid, [f"img{i}.jpg" for i in range(1, n + 1)])
    codes = [[1, "disgust1_1", 5, 8, 12, "9", "negative", "micro-expression", ""],
             [1, "anger1_1", 20, 24, 30, "4", "negative", "macro-expression", ""],
             [2, "disgust1_1", 10, 0, 16, "9", "positive", "micro-expression", ""]]
    subjects = [["participant", 15, 1], ["participant", 16, 2]]
    videos = [["0101", "disgust1"], ["0401", "anger1"]]
    write_book(root / "CAS(ME)^2code_final.xlsx", [codes, subjects, videos])
    return root


def _samm(root, n=30):
    for vid in ("006_1", "007_3"):
        _frames(root / "SAMM_longvideos" / vid, [f"{vid}_{i:05d}.jpg" for i in range(101, 101 + n)])
    title = [["SAMM Long Videos"] + [""] * 9] + [[""] * 10] * 8 + [
        ["Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset", "Duration", "Type", "Action Units", "Notes"]]
    rows = [[6, "006_1_1", 1, 105, 108, 112, 8, "Micro - 1/2", "12", ""],
            [7, "007_3_1", 3, 110, -1, 125, 16, "Macro", "12", ""]]
    write_book(root / "SAMM_LongVideos_V2_Release.xlsx", [title + rows])
    return root


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_casme2_release_references_frames_in_place(tmp_path):
    src = _casme2(tmp_path / "CAS(ME)^2")
    m = build_dataset_long_release("casme2-long", src, tmp_path / "rel")
    assert (m["n_videos"], m["n_events"], m["n_participants"]) == (3, 3, 2)
    videos = {v["video_id"]: v for v in _rows(tmp_path / "rel" / "videos.csv")}
    assert sorted(videos) == ["15_0101", "15_0401", "16_0101"]
    v = videos["15_0101"]
    assert (v["participant"], v["path"], v["n_frames"], v["fps"], v["width"], v["height"], v["start"]) == (
        "s15", "videos/15_0101.frames", "40", "30.0", "64", "48", "1")
    listed = (tmp_path / "rel" / v["path"]).read_text().splitlines()
    assert listed[1] == "../source/rawpic/s15/15_0101disgustingteeth/img1.jpg" and len(listed) == 41
    assert (tmp_path / "rel" / "source").resolve() == src.resolve()
    events = _rows(tmp_path / "rel" / "events.csv")
    # file-name frame numbers (img5.jpg) become positions from 0; CAS(ME)^2's apex 0 is left empty
    assert [(e["video_id"], e["onset"], e["apex"], e["offset"], e["class"], e["type"]) for e in events] == [
        ("15_0101", "4", "7", "11", "negative", "me"), ("15_0401", "19", "23", "29", "negative", "macro"),
        ("16_0101", "9", "", "15", "positive", "me")]


def test_samm_release_numbers_from_the_file_names(tmp_path):
    src = _samm(tmp_path / "SAMM")
    m = build_dataset_long_release("samm-long", src, tmp_path / "rel")
    assert (m["n_videos"], m["n_events"]) == (2, 2)
    videos = {v["video_id"]: v for v in _rows(tmp_path / "rel" / "videos.csv")}
    assert videos["006_1"]["participant"] == "006" and videos["006_1"]["fps"] == "200.0"
    assert videos["006_1"]["start"] == "101"
    events = _rows(tmp_path / "rel" / "events.csv")
    assert [(e["video_id"], e["onset"], e["apex"], e["offset"], e["class"]) for e in events] == [
        ("006_1", "4", "7", "11", ""), ("007_3", "9", "", "24", "")]


def test_every_problem_at_once(tmp_path):
    src = _casme2(tmp_path / "CAS(ME)^2", n=15)  # 15_0401's event ends at frame 30: beyond its images
    (src / "rawpic" / "s16" / "16_0101disgustingteeth").rename(src / "rawpic" / "s16" / "16_0102other")
    with pytest.raises(DatasetLayoutError) as err:
        build_dataset_long_release("casme2-long", src, tmp_path / "rel")
    messages = [p.message for p in err.value.problems]
    assert len(messages) == 2
    assert "frame 20 is not among the folder's frames (1..15)" in messages[0]
    assert "16_0101" in messages[1] and "no frame folder" in messages[1]
    assert not (tmp_path / "rel").exists()
    with pytest.raises(DatasetLayoutError, match="no video folder"):
        build_dataset_long_release("samm-long", src, tmp_path / "rel2")


def test_me_spotting_long_runs_on_an_imported_release(tmp_path):
    from cmedbench.spotting.baselines import run_spotting_baselines
    from cmedbench.spotting.benchmark import write_spotting_bench

    src = _casme2(tmp_path / "CAS(ME)^2")
    build_dataset_long_release("casme2-long", src, tmp_path / "rel")
    write_spotting_bench(tmp_path / "rel", tmp_path / "bench")
    summary = run_spotting_baselines(tmp_path / "rel", tmp_path / "bench", tmp_path / "results", n_plots=1)
    assert summary["roi-flow-spotter"]["me-spotting-long"]["n_samples"] == 3
    assert summary["no-intervals"]["me-spotting-long"]["pooled"]["n_truths"] == 3
    meta = json.loads((tmp_path / "results" / "roi-flow-spotter" / "me-spotting-long" / "submission.json").read_text())
    assert meta["videos_without_a_detected_face"] == ["15_0101", "15_0401", "16_0101"]  # noise: no face


def test_cli_import(tmp_path):
    src = _samm(tmp_path / "SAMM")
    r = subprocess.run(CLI + ["spotting", "import", "samm-long", str(src), "--out", str(tmp_path / "rel")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "2 videos of 2 participants, 2 events" in r.stdout
    r = subprocess.run(CLI + ["spotting", "import", "casme2-long", str(src), "--out", str(tmp_path / "rel2")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "no video folder" in r.stderr
