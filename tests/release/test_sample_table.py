"""The sample table: written once by validation, read with proper types by everything downstream,
and refused with a located message when it is missing, edited or not a sample table at all."""

import pandas as pd
import pytest

from cmedbench.release.fingerprint import dataset_fingerprint
from cmedbench.release.sample_table import (COLUMNS, MetadataOnlyTable, SampleTableError, has_videos,
                                            read_sample_table, require_videos, write_sample_table)
from cmedbench.release.validate import validate_and_write

CSV = ("subject,filename,emotion,apex_frame,note,rater\nSubject_01,a.mp4,Happy,2,,x\n"
       "Subject_01,b.mp4,No_Emotion,,NA,y\nSubject_02,c.mp4,Anger,1,a b,\nSubject_02,d.mp4,No_Emotion,,,\n"
       "Subject_03,e.mp4,Surprise,3,\"q,r\",z\n")


@pytest.fixture(scope="module")
def validated(tmp_path_factory, make_release, rewrite_csv):
    root = tmp_path_factory.mktemp("t")
    release = make_release(root / "release")
    rewrite_csv(release, CSV)
    result = validate_and_write(release, "none", report=root / "validation.json", samples=root / "samples.csv")
    assert result.report.valid and result.samples_written == root / "samples.csv"
    return result, root


def test_round_trip_keeps_types_values_and_extra_columns(validated):
    result, root = validated
    table = read_sample_table(root / "samples.csv")
    assert list(table.columns) == list(COLUMNS) + ["note", "rater"] and table.index.name == "line"
    assert str(table["apex_frame"].dtype) == "Int64" and str(table["fps"].dtype) == "Float64"
    assert table["apex_frame"].isna().tolist() == [False, True, False, True, False]  # <NA>, never NaN or "<NA>"
    assert table.loc[3, "apex_frame"] is pd.NA and table.loc[2, "apex_frame"] == 2
    assert table["note"].tolist() == ["", "NA", "a b", "", "q,r"]  # extra cells verbatim
    assert table.index.tolist() == [2, 3, 4, 5, 6]  # the metadata CSV lines
    assert dataset_fingerprint(table) == result.fingerprint
    again = root / "again.csv"
    write_sample_table(table, again)
    assert again.read_bytes() == (root / "samples.csv").read_bytes()


def test_invalid_release_writes_no_table(tmp_path, make_release):
    release = make_release(tmp_path / "release")
    (release / "FinalFullVideos_subjects/Happy/Subject_01/a.mp4").unlink()
    result = validate_and_write(release, "none", samples=tmp_path / "samples.csv")
    assert not result.report.valid and result.samples_written is None
    assert not (tmp_path / "samples.csv").exists()


def test_metadata_only_table_reads_back_with_the_same_fingerprint(tmp_path, make_release):
    release = make_release(tmp_path / "release")
    result = validate_and_write(release, "none", samples=tmp_path / "samples.csv", metadata_only=True)
    table = read_sample_table(tmp_path / "samples.csv")
    assert not has_videos(table) and table["path"].isna().all()
    assert dataset_fingerprint(table) == result.fingerprint
    with pytest.raises(MetadataOnlyTable, match="metadata-only validation"):
        require_videos(table, "samples.csv")


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace(",happiness,2,", ",happiness,3,"), None),  # apex is not in the id: still valid
    (lambda t: t.replace(",happiness,2,", ",sadness,2,"), "line 2: sample_id is not the hash"),
    (lambda t: t.replace(",happiness,2,", ",happiness,,"), "line 2: emotion row lacks an apex"),
    (lambda t: t.replace(",no-me,,", ",no-me,x,", 1), "does not fit its column's type"),
    (lambda t: t.replace(",300,300,", ",300,0,", 1), "line 2, column 'height': height 0 is not a positive"),
    (lambda t: t.replace("line,", "row,"), "no 'line' column"),
    (lambda t: t.replace(",emotion,", ",feeling,"), "column(s) missing: emotion"),
])
def test_edited_table_is_refused_with_its_location(validated, tmp_path, edit, message):
    _, root = validated
    path = tmp_path / "samples.csv"
    path.write_text(edit((root / "samples.csv").read_text()))
    if message is None:
        read_sample_table(path)
        return
    with pytest.raises(SampleTableError) as exc:
        read_sample_table(path)
    assert message in str(exc.value) and str(path) in str(exc.value)


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(SampleTableError, match="does not exist; validating a release writes it"):
        read_sample_table(tmp_path / "nope.csv")
    with pytest.raises(SampleTableError, match="is a folder"):
        read_sample_table(tmp_path)


def test_write_refuses_a_table_that_breaks_the_model(validated, tmp_path):
    _, root = validated
    table = read_sample_table(root / "samples.csv")
    table.loc[4, "subject"] = "Subject 2"
    with pytest.raises(SampleTableError, match="line 4, column 'subject'"):
        write_sample_table(table, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
