"""Validation row problems name the clip (subject and file name, as the CSV spells them) besides line
and column, say which apex fault it is, and print values as the user wrote them."""

import shutil

import pytest

from cmedbench.release.profiles import load_profile
from cmedbench.release.validate import validate_release

HEADER = "subject,filename,emotion,apex_frame\n"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, make_release):
    return make_release(tmp_path_factory.mktemp("rel") / "release")


@pytest.fixture
def release(pristine, tmp_path):
    shutil.copytree(pristine, tmp_path / "release")
    return tmp_path / "release"


def errors(root, **kw):
    return [p for p in validate_release(root, load_profile("none"), **kw).report.problems if p.severity == "error"]


def test_each_row_problem_names_subject_and_clip_with_values_as_written(release, rewrite_csv):
    rewrite_csv(release, HEADER + "Subject_01,a.mp4,Happy,-3.0\nSubject_01,b.mp4,No_Emotion, 4\n"
                                  "Subject_02,c.mp4,Anger,\nSubject_02,d.mp4,No_Emotion,,x\nSubject_03,e.mp4,Surprize,3\n")
    by_line = {p.line: p for p in errors(release, metadata_only=True)}
    assert sorted(by_line) == [2, 3, 4, 5, 6]
    assert {line: (p.subject, p.clip) for line, p in by_line.items()} == {
        2: ("Subject_01", "a.mp4"), 3: ("Subject_01", "b.mp4"), 4: ("Subject_02", "c.mp4"),
        5: ("Subject_02", "d.mp4"), 6: ("Subject_03", "e.mp4")}
    assert by_line[2].message == "apex_frame '-3.0' is negative" and by_line[2].value == "-3.0"
    assert by_line[3].message.startswith("No-ME row has an apex (apex_frame ' 4')")
    assert by_line[4].message.startswith("emotion row lacks an apex")
    assert "np.int64" not in " ".join(p.message for p in by_line.values())
    assert "line 3, column 'apex_frame', Subject_01 / b.mp4" in by_line[3].location()


def test_file_problems_name_the_clip_too(release, rewrite_csv):
    rewrite_csv(release, HEADER + "Subject_01,a.mp4,Happy,60\nSubject_01,b.mp4,No_Emotion,\nSubject_02,c.mp4,Anger,1\n"
                                  "Subject_02,d.mp4,No_Emotion,\nSubject_03,e.mp4,Surprise,3\n")
    (p,) = errors(release)
    assert "past the clip's last frame" in p.message and (p.line, p.subject, p.clip) == (2, "Subject_01", "a.mp4")


def test_report_json_carries_subject_and_clip(release, rewrite_csv):
    rewrite_csv(release, HEADER + "Subject_01,a.mp4,Happy,\n")
    report = validate_release(release, load_profile("none"), metadata_only=True).report.to_dict()
    row = next(p for p in report["problems"] if p["line"] == 2)
    assert row["subject"] == "Subject_01" and row["clip"] == "a.mp4"
