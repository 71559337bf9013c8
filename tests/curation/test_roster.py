"""The curator's roster names and merge decisions, honoured by compile on the synthetic raw recording."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cmedbench.curation.compile import CompileError, compile_release
from cmedbench.curation.reconcile import reconcile_labels
from cmedbench.curation.segment import segment_recordings
from cmedbench.synth.raw import RawConfig, synth_raw


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("roster")
    raw = synth_raw(root / "raw", RawConfig(seconds=40, seed=1))
    segment_recordings([raw / "recordings"], root / "segments")
    reconcile_labels(raw / "labels", root / "labels")
    compile_release(root / "segments", root / "labels", root / "release")
    return root


def edited(base: Path, tmp_path: Path, names: dict[str, str] | None = None,
           participants: dict[str, str] | None = None) -> Path:
    """A copy of the segments folder with roster names and (to simulate an identity miss) participants set."""
    seg = tmp_path / "segments"
    shutil.copytree(base / "segments", seg)
    roster = pd.read_csv(seg / "roster" / "rec_01.csv", dtype=str, keep_default_na=False)
    for pid, name in (names or {}).items():
        roster.loc[roster["participant"] == pid, "name"] = name
    roster.to_csv(seg / "roster" / "rec_01.csv", index=False)
    if participants:
        table = pd.read_csv(seg / "segments.csv", keep_default_na=False)
        for s, pid in participants.items():
            table.loc[table["segment"] == s, "participant"] = pid
        table.to_csv(seg / "segments.csv", index=False)
    return seg


def compiled(base, seg, out, decisions=None):
    compile_release(seg, base / "labels", out, decisions=decisions)
    meta = pd.read_csv(out / "video_emotion_metadata.csv", keep_default_na=False)
    report = pd.read_csv(out / "compile_report.csv", keep_default_na=False)
    return meta, report


def test_without_edits_compile_writes_the_same_bytes(base, tmp_path):
    seg = edited(base, tmp_path)
    (tmp_path / "d.csv").write_text("segment,decision,reason,into\nrec_01_user01,keep,,\n")
    compile_release(seg, base / "labels", tmp_path / "out", decisions=tmp_path / "d.csv")
    shutil.rmtree(seg / "roster")
    compile_release(seg, base / "labels", tmp_path / "no_roster")
    for name in ("video_emotion_metadata.csv", "compile_report.csv"):
        want = (base / "release" / name).read_bytes()
        assert (tmp_path / "out" / name).read_bytes() == want
        assert (tmp_path / "no_roster" / name).read_bytes() == want


def test_a_roster_name_becomes_the_subject_of_the_clips(base, tmp_path):
    seg = edited(base, tmp_path, names={"rec_01_P01": "Subject_07"})
    meta, report = compiled(base, seg, tmp_path / "out")
    assert len(meta) == 7 and set(meta["subject"]) == {"Subject_07"}
    written = report[report["status"] == "written"]
    assert written["reason"].str.contains("subject sub_07 from the roster name Subject_07").all()


def test_a_merge_decision_joins_a_participant_the_identity_step_split(base, tmp_path):
    # the child's return after the share (segment user09) as if identity had given it a new id
    seg = edited(base, tmp_path, names={"rec_01_P01": "Subject_07"}, participants={"rec_01_user09": "rec_01_P05"})
    meta, _ = compiled(base, seg, tmp_path / "split")
    assert set(meta.loc[meta["segment"] == "rec_01_user09", "subject"]) == {"Subject_01"}  # the labels' own
    (tmp_path / "d.csv").write_text("segment,decision,reason,into\n"
                                    "rec_01_user09,merge,same child after the share,rec_01_user05\n")
    meta, report = compiled(base, seg, tmp_path / "merged", tmp_path / "d.csv")
    assert set(meta["subject"]) == {"Subject_07"}
    r9 = report.loc[report["segment"] == "rec_01_user09", "reason"]
    assert len(r9) == 2 and r9.str.contains(
        "participant rec_01_P05 merged into rec_01_P01 \\(segment rec_01_user09 into rec_01_user05: same child").all()
    # without a roster name, the merged participant takes the subject labelled on the other side
    seg2 = edited(base, tmp_path / "b", participants={"rec_01_user09": "rec_01_P05"})
    meta, report = compiled(base, seg2, tmp_path / "merged2", tmp_path / "d.csv")
    assert set(meta["subject"]) == {"Subject_01"}
    assert report.loc[report["segment"] == "rec_01_user09", "reason"].str.contains(
        "subject sub_01 as labelled for rec_01_P01").all()


@pytest.mark.parametrize("names,message", [
    ({"rec_01_P02": "Subject_7"}, r"roster/rec_01.csv line 3: name 'Subject_7' is not Subject_NN"),
    ({"rec_01_P03": "kid"}, r"roster/rec_01.csv line 4: name 'kid' is not Subject_NN"),
    ({"rec_01_P01": "Subject_07", "rec_01_P02": "Subject_07"},
     (r"roster/rec_01.csv line 3: rec_01_P02 cannot be named Subject_07 like line 2: segments rec_01_user01 and "
      r"rec_01_user02 are on screen at the same time")),
])
def test_bad_roster_edits_are_refused_with_file_and_line(base, tmp_path, names, message):
    with pytest.raises(CompileError, match=message):
        compile_release(edited(base, tmp_path, names=names), base / "labels", tmp_path / "out")


def test_unknown_and_repeated_roster_ids_are_refused(base, tmp_path):
    seg = edited(base, tmp_path)
    path = seg / "roster" / "rec_01.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1], lines[2].replace("rec_01_P02,rec_01_P02", "rec_01_P09,Subject_09")])
                    + "\n")
    with pytest.raises(CompileError, match=r"line 6: participant rec_01_P01 is listed twice \(line 2\); .*line 7: "
                                           r"unknown participant 'rec_01_P09'"):
        compile_release(seg, base / "labels", tmp_path / "out")


@pytest.mark.parametrize("rows,names,message", [
    ("rec_01_user09,merge,x,\n", {}, r"d.csv: line 2: merge of rec_01_user09 names no segment in column 'into'"),
    ("rec_01_user09,merge,x,nope\n", {}, r"d.csv: line 2: merge into unknown segment 'nope'"),
    ("rec_01_user09,merge,x,rec_01_user09\n", {}, r"d.csv: line 2: segment rec_01_user09 is merged into itself"),
    ("rec_01_user09,mix,x,\n", {}, r"d.csv: line 2: decision 'mix' is not one of keep, exclude, merge"),
    ("rec_01_user02,merge,x,rec_01_user01\n", {},
     r"d.csv line 2: rec_01_P02 cannot be merged into rec_01_P01: segments rec_01_user02 and rec_01_user01 are on"),
    ("rec_01_user09,merge,x,rec_01_user05\n", {"rec_01_P01": "Subject_07", "rec_01_P05": "Subject_08"},
     r"d.csv line 2: rec_01_P05 cannot be merged into rec_01_P01: the roster names them differently"),
])
def test_bad_merges_are_refused_with_file_and_line(base, tmp_path, rows, names, message):
    seg = edited(base, tmp_path, participants={"rec_01_user09": "rec_01_P05"})
    if names:
        roster = seg / "roster" / "rec_01.csv"
        roster.write_text(roster.read_text() + "rec_01_P05,rec_01_P05,rec_01_user09,,1,247,\n")
        seg = edited(seg.parent, tmp_path / "n", names=names)
    (tmp_path / "d.csv").write_text("segment,decision,reason,into\n" + rows)
    with pytest.raises(CompileError, match=message):
        compile_release(seg, base / "labels", tmp_path / "out", decisions=tmp_path / "d.csv")


# --- the curator's roster_edits.csv: a tracked input that survives re-segmenting -------------------------------

EDITS_HEADER = "recording,participant,rename_to,merge_into,reason\n"


def edits_file(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "roster_edits.csv"
    path.write_text(EDITS_HEADER + rows)
    return path


def test_roster_edits_survive_re_running_segment(base, tmp_path):
    edits = edits_file(tmp_path, "rec_01,rec_01_P01,Subject_07,,the girl in the first tile\n")
    seg = edited(base, tmp_path)
    compile_release(seg, base / "labels", tmp_path / "before", roster_edits=edits)
    meta = pd.read_csv(tmp_path / "before" / "video_emotion_metadata.csv", keep_default_na=False)
    assert len(meta) == 7 and set(meta["subject"]) == {"Subject_07"}
    segment_recordings([base / "raw" / "recordings"], seg, force=True)  # segment runs again: its roster is new
    proposed = pd.read_csv(seg / "roster" / "rec_01.csv", dtype=str, keep_default_na=False)
    assert (proposed["name"] == proposed["participant"]).all()  # the machine's proposal, unedited
    compile_release(seg, base / "labels", tmp_path / "after", roster_edits=edits)
    for name in ("video_emotion_metadata.csv", "compile_report.csv"):
        assert (tmp_path / "after" / name).read_bytes() == (tmp_path / "before" / name).read_bytes()


def test_a_header_only_roster_edits_file_changes_nothing(base, tmp_path):
    compile_release(base / "segments", base / "labels", tmp_path / "out", roster_edits=edits_file(tmp_path, ""))
    for name in ("video_emotion_metadata.csv", "compile_report.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (base / "release" / name).read_bytes()


def test_a_roster_edits_merge_joins_a_split_participant(base, tmp_path):
    seg = edited(base, tmp_path, participants={"rec_01_user09": "rec_01_P05"})
    edits = edits_file(tmp_path, "rec_01,rec_01_P05,,rec_01_P01,same child after the share\n"
                                 "rec_01,rec_01_P01,Subject_07,,\n")
    compile_release(seg, base / "labels", tmp_path / "out", roster_edits=edits)
    meta = pd.read_csv(tmp_path / "out" / "video_emotion_metadata.csv", keep_default_na=False)
    report = pd.read_csv(tmp_path / "out" / "compile_report.csv", keep_default_na=False)
    assert set(meta["subject"]) == {"Subject_07"}
    assert report.loc[report["segment"] == "rec_01_user09", "reason"].str.contains(
        "participant rec_01_P05 merged into rec_01_P01 .*same child after the share").all()


@pytest.mark.parametrize("rows,message", [
    ("rec_09,rec_01_P01,Subject_07,,\n", r"roster_edits.csv: line 2: unknown recording 'rec_09'"),
    ("rec_01,rec_01_P99,Subject_07,,\n", r"line 2: unknown participant 'rec_01_P99' in recording rec_01"),
    ("rec_01,rec_01_P01,Subject_7,,\n", r"line 2: rename_to 'Subject_7' is not Subject_NN"),
    ("rec_01,rec_01_P01,Subject_07,rec_01_P02,\n", r"line 2: give exactly one of rename_to and merge_into"),
    ("rec_01,rec_01_P01,,,\n", r"line 2: give exactly one of rename_to and merge_into"),
    ("rec_01,rec_01_P01,,rec_01_P01,\n", r"line 2: participant rec_01_P01 is merged into itself"),
    ("rec_01,rec_01_P01,,rec_01_P42,\n", r"line 2: merge_into 'rec_01_P42' is not a participant of recording rec_01"),
    ("rec_01,rec_01_P01,Subject_07,,\nrec_01,rec_01_P01,Subject_08,,\n",
     r"line 3: participant rec_01_P01 is edited twice \(line 2\)"),
    ("rec_01,rec_01_P05,,rec_01_P01,\nrec_01,rec_01_P01,,rec_01_P05,\n",
     r"lines 2, 3: the merges rec_01_P05 -> rec_01_P01 -> rec_01_P05 form a cycle"),
    ("rec_01,rec_01_P02,Subject_07,,\nrec_01,rec_01_P03,Subject_07,,\n",
     r"line 3: rec_01_P03 and rec_01_P02 \(line 2\) are both renamed Subject_07 without a merge"),
    ("rec_01,rec_01_P02,,rec_01_P01,\n",
     r"roster_edits.csv line 2: rec_01_P02 cannot be merged into rec_01_P01: segments .* on screen at the same time"),
])
def test_bad_roster_edits_file_rows_are_refused_with_file_and_line(base, tmp_path, rows, message):
    seg = edited(base, tmp_path, participants={"rec_01_user09": "rec_01_P05"})
    with pytest.raises(CompileError, match=message):
        compile_release(seg, base / "labels", tmp_path / "out", roster_edits=edits_file(tmp_path, rows))


def test_review_shows_the_roster_edits_and_refuses_bad_ones(base, tmp_path):
    from cmedbench.curation.review import write_review
    from cmedbench.curation.roster import RosterError

    edits = edits_file(tmp_path, "rec_01,rec_01_P01,Subject_07,,\n")
    write_review(base / "segments", tmp_path / "review", roster_edits=edits)
    assert "rec_01_P01 (renamed Subject_07)" in (tmp_path / "review" / "review.html").read_text()
    with pytest.raises(RosterError, match="line 2: unknown participant 'rec_01_P99'"):
        write_review(base / "segments", tmp_path / "review2",
                     roster_edits=edits_file(tmp_path, "rec_01,rec_01_P99,,rec_01_P01,\n"))
