"""Validation of small releases written by the test: each rule and each bad input, located exactly."""

import os
import shutil

import pytest

from cmedbench.release.profiles import load_profile
from cmedbench.release.validate import validate_release

HEADER = "subject,filename,emotion,apex_frame\n"
GOOD_ROWS = ("Subject_01,a.mp4,Happy,2\nSubject_01,b.mp4,No_Emotion,\nSubject_02,c.mp4,Anger,1\n"
             "Subject_02,d.mp4,No_Emotion,\nSubject_03,e.mp4,Surprise,3\n")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, make_release):
    return make_release(tmp_path_factory.mktemp("rel") / "release")


@pytest.fixture
def release(pristine, tmp_path):
    dst = tmp_path / "release"
    shutil.copytree(pristine, dst)
    return dst


def run(root, profile="none", **kw):
    return validate_release(root, load_profile(profile), **kw)


def problems(result, check=None, severity="error"):
    return [p for p in result.report.problems if (check is None or p.check == check) and p.severity == severity]


def test_valid_release_passes_and_builds_sample_table(release, tree_hash):
    before = tree_hash(release)
    result = run(release)
    assert result.report.valid, result.report.problems
    t = result.table
    assert list(t["emotion"]) == ["happiness", "no-me", "anger", "no-me", "surprise"]
    assert t["sample_id"].str.fullmatch(r"[0-9a-f]{12}").all() and t["sample_id"].is_unique
    assert (t["n_frames"] == 6).all() and (t["fps"] == 25).all() and (t["width"] == 300).all()
    assert t.loc[2, "path"] == "FinalFullVideos_subjects/Happy/Subject_01/a.mp4"
    assert result.fingerprint.startswith("sha256:")
    assert tree_hash(release) == before  # validation never writes inside the release


def test_fingerprint_is_stable_and_tracks_labels_and_content(release, tmp_path, make_video, rewrite_csv):
    first = run(release).fingerprint
    assert run(release).fingerprint == first
    rewrite_csv(release, HEADER + GOOD_ROWS.replace("Subject_03,e.mp4,Surprise,3", "Subject_03,e.mp4,Surprise,4"))
    assert run(release).fingerprint != first
    rewrite_csv(release, HEADER + GOOD_ROWS)
    assert run(release).fingerprint == first
    for p in (release / "FinalFullVideos_subjects/Happy/Subject_01/a.mp4", release / "FinalFullVideos/Happy/a.mp4"):
        p.unlink()
        make_video(p, 6, seed=99)
    assert run(release).fingerprint != first


def test_metadata_only_opens_no_video(release):
    shutil.rmtree(release / "FinalFullVideos_subjects")
    result = run(release, metadata_only=True)
    assert result.report.valid
    assert {c.name: c.status for c in result.report.checks}["files"] == "skip"
    assert "n_frames" not in result.table.columns


# ---- the CSV itself ------------------------------------------------------------------------------------

def test_missing_csv(release):
    (release / "video_emotion_metadata.csv").unlink()
    result = run(release)
    assert not result.report.valid and result.table is None
    assert "missing" in problems(result, "metadata")[0].message


@pytest.mark.parametrize("content,needle", [
    ("", "empty"), ("   \n\n", "empty"), (HEADER, "no rows"),
    ("subject,filename,emotion\nSubject_01,a.mp4,Happy\n", "apex_frame"),
    ("subject,filename,emotion,apex_frame,Emotion\n", "'emotion' 2 times"),
])
def test_unusable_csv_is_one_clear_error(release, content, needle, rewrite_csv):
    rewrite_csv(release, content)
    result = run(release)
    errs = problems(result)
    assert not result.report.valid
    assert any(needle in p.message for p in errs), errs
    assert all(p.file == "video_emotion_metadata.csv" for p in errs if p.check == "metadata")


def test_non_utf8_bytes_name_every_bad_line(release, rewrite_csv):
    rewrite_csv(release, (HEADER + "Subject_01,a.mp4,Happy,2\nSubject_01,b\xe9.mp4,No_Emotion,\n").encode("latin-1"))
    result = run(release)
    errs = problems(result, "metadata")
    assert len(errs) == 1 and errs[0].line == 3 and "UTF-8" in errs[0].message


def test_bom_crlf_and_semicolons_are_accepted_with_warnings(release, rewrite_csv):
    text = (HEADER + GOOD_ROWS).replace(",", ";").replace("\n", "\r\n")
    rewrite_csv(release, b"\xef\xbb\xbf" + text.encode())
    result = run(release)
    assert result.report.valid, problems(result)
    warned = " ".join(p.message for p in problems(result, "metadata", "warning"))
    assert "byte-order mark" in warned and "CRLF" in warned and "';'" in warned


def test_ragged_row_is_reported_with_its_line(release, rewrite_csv):
    rewrite_csv(release, HEADER + GOOD_ROWS + "Subject_03,f.mp4,Happy\n")
    errs = problems(run(release), "metadata")
    assert [(p.line, "3 fields" in p.message) for p in errs] == [(7, True)]


def test_extra_columns_are_kept(release, rewrite_csv):
    rewrite_csv(release, "subject,filename,emotion,apex_frame,onset\n" +
                "".join(r + f",{i}\n" for i, r in enumerate(GOOD_ROWS.splitlines())))
    result = run(release)
    assert result.report.valid and list(result.table["onset"]) == ["0", "1", "2", "3", "4"]


# ---- labels and schema: each failure reported exactly once, at its line and column ------------------------

@pytest.mark.parametrize("bad_row,check,column,needle", [
    ("Subject_03,e.mp4,Happpy,3", "labels", "emotion", "did you mean 'happy'"),
    ("Child_3,e.mp4,Surprise,3", "labels", "subject", "unrecognised subject"),
    ("Subject_03,e.mp4,Surprise,", "schema", "apex_frame", "emotion row lacks an apex"),
    ("Subject_03,e.mp4,No_Emotion,3", "schema", "apex_frame", "blank on No-ME"),
    ("Subject_03,e.mp4,Surprise,-1", "schema", "apex_frame", "negative"),
    ("Subject_03,e.mp4,Surprise,2.5", "labels", "apex_frame", "not a whole frame index"),
    ("Subject_03,e.mp4,Surprise,abc", "labels", "apex_frame", "not a whole frame index"),
    ("Subject_03,e.txt,Surprise,3", "schema", "filename", "not a plain video file name"),
    ("Subject_03,../../etc/e.mp4,Surprise,3", "schema", "filename", "not a plain video file name"),
    ("Subject_02,c.mp4,Angry,1", "schema", "filename", "duplicate (emotion, subject, filename) (first on line 4)"),
])
def test_each_rule_reports_once_with_location(release, bad_row, check, column, needle, rewrite_csv):
    rows = GOOD_ROWS.splitlines()
    rows[4] = bad_row  # line 6 of the file
    rewrite_csv(release, HEADER + "\n".join(rows) + "\n")
    result = run(release, metadata_only=True)
    errs = problems(result)
    assert len(errs) == 1, errs
    p = errs[0]
    assert (p.check, p.line, p.column) == (check, 6, column)
    assert needle in p.message


def test_all_problems_in_one_pass(release, rewrite_csv):
    rows = ["Subject_01,a.mp4,Happpy,2", "Subject_01,b.mp4,No_Emotion,4", "Subject_02,c.mp4,Anger,",
            "Sub_x,d.mp4,No_Emotion,", "Subject_03,e.avi2,Surprise,3"]
    rewrite_csv(release, HEADER + "\n".join(rows) + "\n")
    result = run(release, metadata_only=True)
    assert sorted(p.line for p in problems(result)) == [2, 3, 4, 5, 6]


# ---- files ------------------------------------------------------------------------------------------

VID = "FinalFullVideos_subjects/Happy/Subject_01/a.mp4"
FLAT = "FinalFullVideos/Happy/a.mp4"


def file_problems(release, **kw):
    return [(p.file, p.line, p.message) for p in problems(run(release, **kw), "files")]


def test_missing_file(release):
    (release / VID).unlink()
    assert file_problems(release) == [(VID, 2, "file not found")]


def test_zero_byte_file(release):
    (release / VID).write_bytes(b"")
    assert [m for f, l, m in file_problems(release) if f == VID] == ["file is empty (0 bytes)"]


def test_truncated_mp4(release):
    data = (release / VID).read_bytes()
    (release / VID).unlink()
    (release / VID).write_bytes(data[: len(data) // 2])
    msgs = [m for f, l, m in file_problems(release) if f == VID]
    assert len(msgs) == 1 and "corrupt or truncated" in msgs[0]


def test_directory_where_file_expected(release):
    (release / VID).unlink()
    (release / VID).mkdir()
    assert [m for f, l, m in file_problems(release) if f == VID] == ["is a directory, expected a video file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(release):
    (release / VID).chmod(0)
    try:
        msgs = [m for f, l, m in file_problems(release) if f == VID]
        assert len(msgs) == 1 and "cannot read" in msgs[0]
    finally:
        (release / VID).chmod(0o644)


def test_apex_past_the_last_frame(release, rewrite_csv):
    rewrite_csv(release, HEADER + GOOD_ROWS.replace("Subject_01,a.mp4,Happy,2", "Subject_01,a.mp4,Happy,6"))
    assert file_problems(release) == [(VID, 2, "apex_frame 6 is past the clip's last frame (6 frames)")]


def test_orphan_file_and_unknown_folder(release, make_video):
    make_video(release / "FinalFullVideos_subjects/Sad/Subject_09/z.mp4")
    make_video(release / "FinalFullVideos_subjects/Joy/Subject_01/y.mp4")
    result = run(release)
    layout = sorted((p.file, p.message) for p in problems(result, "layout"))
    assert layout == [("FinalFullVideos_subjects/Joy", "folder name 'Joy' is not a known emotion"),
                      ("FinalFullVideos_subjects/Sad/Subject_09/z.mp4", "file has no row in the metadata CSV")]


def test_flat_copy_must_match(release, make_video):
    (release / FLAT).unlink()
    make_video(release / FLAT, 6, seed=42)
    assert file_problems(release) == [(FLAT, 2, f"flat-layout copy differs from {VID} (content hash)")]
    (release / FLAT).unlink()
    assert file_problems(release) == [(FLAT, 2, "flat-layout copy: file not found")]


def test_release_without_flat_layout_is_valid(release):
    shutil.rmtree(release / "FinalFullVideos")
    assert run(release).report.valid


def test_fps_and_size_are_warnings(release, make_video):
    for p in (release / VID, release / FLAT):
        p.unlink()
    make_video(release / VID, 6, size=(320, 240), fps=30)
    shutil.copyfile(release / VID, release / FLAT)
    result = run(release)
    assert result.report.valid
    warned = sorted((p.file, p.column) for p in problems(result, "files", "warning"))
    assert warned == [(VID, "fps"), (VID, "size")]


def test_deep_mode_reports_the_true_frame_count(release, make_video):
    """An AVI whose data is cut short: the header still claims all its frames."""
    for p in (release / VID, release / FLAT):
        p.unlink()
    avi = make_video(release.parent / "x.avi", 30, fourcc="MJPG")
    data = avi.read_bytes()
    cut = data[: int(len(data) * 0.5)]
    for p in (release / VID, release / FLAT):
        p.write_bytes(cut)
    fast = run(release).table.set_index("filename")
    deep_result = run(release, deep=True)
    deep = deep_result.table.set_index("filename")
    assert fast.at["a.mp4", "n_frames"] == 30
    assert 0 < deep.at["a.mp4", "n_frames"] < 30
    assert any("header says 30 frames" in p.message for p in problems(deep_result, "files", "warning"))
