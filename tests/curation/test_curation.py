"""Curation on synthetic recordings with known truth, and on real videos when ../shared/realfaces exists."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cmedbench.curation.compile import CompileError, compile_release
from cmedbench.curation.reconcile import LabelsError, reconcile, reconcile_labels
from cmedbench.curation.segment import (SEGMENT_COLUMNS, SegmentConfig, read_dropped, read_segments,
                                        segment_recording, segment_recordings)
from cmedbench.release.profiles import load_profile
from cmedbench.release.validate import validate_release
from cmedbench.synth.raw import RawConfig, synth_raw

REAL = Path(__file__).resolve().parents[3] / "shared" / "realfaces" / "videos"


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    root = tmp_path_factory.mktemp("cur")
    raw = synth_raw(root / "raw", RawConfig(seconds=40, seed=1))
    summary = segment_recordings([raw / "recordings"], root / "segments")
    return {"root": root, "raw": raw, "segments": list(summary.segments), "summary": summary,
            "manifest": json.loads((raw / "manifest.json").read_text())}


def iou(a, b):
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def test_segments_csv_is_the_summary(curated):
    summary = curated["summary"]
    assert [p.name for p in summary.recordings] == ["rec_01.mp4"]
    assert all(tuple(s) == SEGMENT_COLUMNS for s in summary.segments)
    table = read_segments(curated["root"] / "segments")
    assert tuple(table.columns) == SEGMENT_COLUMNS
    assert list(table["segment"]) == [s["segment"] for s in summary.segments]
    assert set(table["source"]) == {str(curated["raw"] / "recordings" / "rec_01.mp4")}
    assert sorted(p.name for p in (curated["root"] / "segments").iterdir()) == ["dropped.csv", "roster", "segments.csv"]


def test_a_child_who_leaves_and_returns_keeps_one_participant_id(curated):
    rec = curated["manifest"]["recordings"][0]
    cfg = RawConfig(seconds=40, seed=1)
    tw, th = cfg.width // cfg.grid, cfg.height // cfg.grid
    segs = curated["segments"]
    for p in rec["people"]:
        if p["slot"] != "full":
            continue
        x0, y0 = p["tile"][1] * tw, p["tile"][0] * th
        ids = {s["participant"] for s in segs if x0 <= s["x"] + s["side"] / 2 < x0 + tw
               and y0 <= s["y"] + s["side"] / 2 < y0 + th}
        assert len(ids) == 1, (p["person"], ids)


def test_dropped_lists_the_share_spans_and_short_appearances(curated):
    rec = curated["manifest"]["recordings"][0]
    dropped = read_dropped(curated["root"] / "segments")
    share = dropped[dropped["reason"].str.startswith("screen share")]
    assert [[int(r.start), int(r.end)] for r in share.itertuples()] == rec["shares"]
    short = [s for p in rec["people"] for s in p["segments"] if s["too_short"]]
    assert len(dropped[dropped["reason"].str.startswith("shorter than")]) >= len(short)


def test_every_appearance_is_one_segment(curated):
    rec = curated["manifest"]["recordings"][0]
    segs = curated["segments"]
    truth = [(p, s) for p in rec["people"] for s in p["segments"] if not s["too_short"]]
    assert len(segs) == len(truth)  # no phantom users, nothing missed
    cfg = RawConfig(seconds=40, seed=1)
    tw, th = cfg.width // cfg.grid, cfg.height // cfg.grid
    for person, span in truth:
        if person["slot"] != "full":
            continue
        cx, cy = (person["tile"][1] + 0.5) * tw, (person["tile"][0] + 0.5) * th
        mine = [s for s in segs if s["x"] <= cx < s["x"] + s["side"] and s["y"] <= cy < s["y"] + s["side"]]
        best = max(iou((s["start"], s["end"]), (span["start"], span["end"])) for s in mine)
        assert best >= 0.9, (person["person"], span, mine)


def test_no_segment_overlaps_a_share_span(curated):
    shares = curated["manifest"]["recordings"][0]["shares"]
    for s in curated["segments"]:
        assert not any(a < s["end"] and s["start"] < b for a, b in shares)


def test_facilitator_and_shared_tiles_are_flagged(curated):
    rec = curated["manifest"]["recordings"][0]
    cfg = RawConfig(seconds=40, seed=1)
    tw, th = cfg.width // cfg.grid, cfg.height // cfg.grid

    def segments_in_tile(tile):
        x0, y0 = tile[1] * tw, tile[0] * th
        return [s for s in curated["segments"] if x0 <= s["x"] + s["side"] / 2 < x0 + tw
                and y0 <= s["y"] + s["side"] / 2 < y0 + th]

    for p in rec["people"]:
        segs = segments_in_tile(p["tile"])
        if p["role"] == "facilitator":
            assert segs and any("likely_facilitator" in s["flags"] for s in segs)
        elif p["slot"] != "full":
            assert segs and all("multiple_faces" in s["flags"] for s in segs)
        else:
            assert segs and all(s["flags"] == "" for s in segs)


def test_labels_are_recovered_exactly_where_the_rules_say(curated, tmp_path):
    r = reconcile(curated["raw"] / "labels")
    decisions = curated["manifest"]["decisions"]
    expected = {d["event_id"]: d["label"] for d in decisions if d["accepted"]}
    assert dict(zip(r.accepted["event_id"], r.accepted["label"])) == expected
    assert set(r.rejected["event_id"]) == {d["event_id"] for d in decisions if not d["accepted"]}
    assert -1 <= r.agreement["cohen_kappa_stage1_stage2"] <= 1


def test_bad_label_files(tmp_path, curated):
    bad = tmp_path / "labels"
    shutil.copytree(curated["raw"] / "labels", bad)
    text = (bad / "stage2.csv").read_text().splitlines()
    text[2] = text[2].split(",")[0] + ",joy"
    (bad / "stage2.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(LabelsError, match="stage2.csv line 3: unknown class 'joy'"):
        reconcile(bad)
    (bad / "stage1.csv").write_text("event_id,class\n")
    with pytest.raises(LabelsError, match="missing column"):
        reconcile(bad)


def test_compiled_release_passes_validate(curated, tmp_path):
    reconcile_labels(curated["raw"] / "labels", tmp_path / "labels")
    summary = compile_release(curated["root"] / "segments", tmp_path / "labels", tmp_path / "release")
    assert summary["clips"] > 0
    result = validate_release(tmp_path / "release", load_profile("none"))
    assert result.report.valid, result.report.errors[:5]
    report = pd.read_csv(tmp_path / "release" / "compile_report.csv", keep_default_na=False)
    assert len(report) == summary["accepted"] == summary["clips"] + summary["excluded"] + summary["rejected"]
    assert (report["status"] == "written").sum() == summary["clips"]
    assert (report.loc[report["status"] != "written", "reason"] != "").all()
    t = result.table
    me = t[t["emotion"] != "no-me"]
    assert (me["apex_frame"] < me["n_frames"]).all()


def test_compiling_twice_gives_the_same_bytes(curated, tmp_path):
    """The curated release's hash is in dvc.lock: a fresh clone's run must write the same bytes."""
    reconcile_labels(curated["raw"] / "labels", tmp_path / "labels")
    for name in ("a", "b"):
        compile_release(curated["root"] / "segments", tmp_path / "labels", tmp_path / name)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert any(f.suffix == ".avi" for f in files)
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_compile_never_fails_wholesale_on_flags(curated, tmp_path):
    """Every segment flagged: the release is still written, empty, with its report; the counts add up."""
    reconcile_labels(curated["raw"] / "labels", tmp_path / "labels")
    segs = tmp_path / "segs"
    shutil.copytree(curated["root"] / "segments", segs)
    table = read_segments(segs)
    table["flags"] = "likely_facilitator"
    table.to_csv(segs / "segments.csv", index=False)
    summary = compile_release(segs, tmp_path / "labels", tmp_path / "release")
    assert summary["clips"] == 0 and summary["accepted"] == summary["excluded"] + summary["rejected"] > 0
    report = pd.read_csv(tmp_path / "release" / "compile_report.csv", keep_default_na=False)
    assert set(report["status"]) <= {"excluded", "rejected"} and report["reason"].str.len().gt(0).all()
    assert (report["status"] == "excluded").sum() == summary["excluded"]


STAGE1_HEADER = "event_id,recording,subject,x,y,onset,apex,offset,class"


@pytest.mark.parametrize("rows,message", [
    (["e1,rec_01,sub_01,10,10,50,45,40,happiness"], "stage1.csv line 2: onset 50 is after offset 40"),
    (["e1,rec_01,sub_01,10,10,40,55,50,happiness"], "stage1.csv line 2: apex 55 is outside [onset 40, offset 50]"),
    (["e1,rec_01,sub_01,10,10,40,,50,happiness"], "stage1.csv line 2: a happiness event has no apex"),
    (["e1,rec_01,sub_01,10,10,40,45,50,no-me"], "stage1.csv line 2: a no-me event has an apex (45)"),
    (["e1,rec_01,sub_01,10,10,40,45,50,happiness", "e2,rec_01,sub_01,10,10,48,52,60,surprise"],
     "stage1.csv line 3: overlaps line 2, an event of the same participant sub_01 in rec_01"),
    (["e1,rec_01,teacher,10,10,40,45,50,happiness"], "stage1.csv line 2: unknown participant 'teacher'"),
    (["e1,rec_01,sub_01,10,10,forty,45,50,happiness"], "stage1.csv line 2: onset not a frame number"),
])
def test_bad_events_are_refused_with_file_and_line(tmp_path, rows, message):
    (tmp_path / "stage1.csv").write_text("\n".join([STAGE1_HEADER, *rows]) + "\n")
    (tmp_path / "stage2.csv").write_text("event_id,class\n" + "".join(f"{r.split(',')[0]},happiness\n" for r in rows))
    with pytest.raises(LabelsError, match=re.escape(message)):
        reconcile(tmp_path)


def test_events_of_different_participants_may_overlap(tmp_path):
    rows = ["e1,rec_01,sub_01,10,10,40,45,50,happiness", "e2,rec_01,sub_02,10,10,42,45,50,happiness"]
    (tmp_path / "stage1.csv").write_text("\n".join([STAGE1_HEADER, *rows]) + "\n")
    (tmp_path / "stage2.csv").write_text("event_id,class\ne1,happiness\ne2,happiness\n")
    assert len(reconcile(tmp_path).accepted) == 2


def test_synthetic_labels_pass_the_checks_against_their_recordings(curated, tmp_path):
    r = reconcile_labels(curated["raw"] / "labels", tmp_path / "labels", curated["raw"] / "recordings")
    assert r.agreement["n_events"] == len(curated["manifest"]["decisions"])


def test_compile_refuses_a_folder_without_segments(curated, tmp_path):
    reconcile_labels(curated["raw"] / "labels", tmp_path / "labels")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CompileError, match="segments.csv not found"):
        compile_release(tmp_path / "empty", tmp_path / "labels", tmp_path / "release")
    assert not (tmp_path / "release").exists()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "cmedbench.cli", *map(str, args)], capture_output=True, text=True)


def test_segment_cli_refuses_a_non_video(tmp_path):
    (tmp_path / "x.mp4").write_bytes(b"nope")
    r = cli("segment", tmp_path / "x.mp4", "--out", tmp_path / "out")
    assert r.returncode == 1 and "cannot be opened" in r.stderr and not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["x.mp4"]  # no temp folder left behind


def test_segment_cli_refuses_an_empty_folder_and_an_occupied_output(tmp_path):
    (tmp_path / "none").mkdir()
    r = cli("segment", tmp_path / "none", "--out", tmp_path / "out")
    assert r.returncode == 2 and "no recording" in r.stderr and not (tmp_path / "out").exists()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    (tmp_path / "none" / "x.mp4").write_bytes(b"nope")
    r = cli("segment", tmp_path / "none", "--out", tmp_path / "out")
    assert r.returncode == 2 and "--force" in r.stderr and (tmp_path / "out" / "keep.txt").read_text() == "mine"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realfaces is not present")
@pytest.mark.parametrize("video,expected", [
    ("pyfeat_WolfgangLanger_Pexels.mp4", [(0, 472)]), ("pyfeat_single_face.mp4", [(0, 72)]),
    ("pyfeat_no_face.mp4", []), ("pyfeat_face_noface.mov", [(0, 80)]), ("pyfeat_noface_face.mov", [(97, 169)]),
])
def test_real_videos(tmp_path, video, expected):
    segs = segment_recording(REAL / video, SegmentConfig(min_seconds=1.0)).segments  # the clips are 2-19 s long
    assert len(segs) == len(expected)
    for s, (start, end) in zip(segs, expected):
        assert abs(s["start"] - start) <= 60 and abs(s["end"] - end) <= 60  # the 60-frame sampling


def test_review_page_and_decisions_are_honoured_by_compile(curated, tmp_path):
    from cmedbench.curation.review import write_review

    reconcile_labels(curated["raw"] / "labels", tmp_path / "labels")
    review = write_review(curated["root"] / "segments", tmp_path / "review")
    page = (tmp_path / "review" / "review.html").read_text()
    segs = read_segments(curated["root"] / "segments")
    assert review.n_segments == len(segs) and all(s in page for s in segs["segment"])
    assert all((tmp_path / "review" / "thumbs" / f"{s}.jpg").is_file() for s in segs["segment"])
    decisions = pd.read_csv(tmp_path / "review" / "decisions.csv", keep_default_na=False)
    assert list(decisions["decision"]) == ["exclude" if f else "keep" for f in segs["flags"]]
    base = compile_release(curated["root"] / "segments", tmp_path / "labels", tmp_path / "r0")
    same = compile_release(curated["root"] / "segments", tmp_path / "labels", tmp_path / "r1",
                           decisions=tmp_path / "review" / "decisions.csv")
    assert same == base  # the pre-filled decisions are the flags'
    report = pd.read_csv(tmp_path / "r0" / "compile_report.csv", keep_default_na=False)
    written_seg = report.loc[report["status"] == "written", "segment"].iloc[0]
    (tmp_path / "mine.csv").write_text(f"segment,decision,reason\n{written_seg},exclude,eyes closed\n")
    mine = compile_release(curated["root"] / "segments", tmp_path / "labels", tmp_path / "r2",
                           decisions=tmp_path / "mine.csv")
    n = int((report["segment"] == written_seg).sum())
    assert mine["clips"] == base["clips"] - n and mine["excluded"] == base["excluded"] + n
    r2 = pd.read_csv(tmp_path / "r2" / "compile_report.csv", keep_default_na=False)
    assert r2.loc[r2["segment"] == written_seg, "reason"].str.contains("curator excluded .*eyes closed").all()
    (tmp_path / "bad.csv").write_text("segment,decision,reason\nnope,keep,\n")
    with pytest.raises(CompileError, match="bad.csv: line 2: unknown segment 'nope'"):
        compile_release(curated["root"] / "segments", tmp_path / "labels", tmp_path / "r3",
                        decisions=tmp_path / "bad.csv")


def test_algorithm1_mode_flags_the_talker_per_segment(curated):
    rec = curated["raw"] / "recordings" / "rec_01.mp4"
    segs = segment_recording(rec, SegmentConfig(mode="algorithm1")).segments
    assert len(segs) == len(curated["segments"])
    assert sum("likely_facilitator" in s["flags"] for s in segs) == sum(
        "likely_facilitator" in s["flags"] for s in curated["segments"])
