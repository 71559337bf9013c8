"""DFME through its column map (the label format is unconfirmed, so the map is the contract): the
packaged default, a user's map, per-part frame rates, the paper's ME duration rule as a warning, the
published counts as advisory, and malformed tables and maps refused with located errors."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from cmedbench.datasets.columnmap import ColumnMapError
from cmedbench.datasets.importer import import_dataset
from cmedbench.release.frames import clip_frames
from cmedbench.release.sample_table import read_sample_table

CLI = [sys.executable, "-m", "cmedbench.cli"]
ROWS = [("A", 1, "1_a_01", 10, 40, 120, "AU6+AU12", "happiness"),
        ("A", 2, "2_c_01", 5, 9, 30, "L-AU12", "Contempt"),
        ("B", 1, "1_d_01", 100, 110, 140, "AU4+AU7+M57", "disgust"),
        ("C", 7, "7_o_02", 3, 4, 8, "AU1+AU2", "others")]


def errors(result):
    return [(p.file, p.line, p.column, p.message) for p in result.report.errors]


def test_default_map_one_table_per_part(layouts, tmp_path):
    src = layouts["dfme"](tmp_path / "src", ROWS)
    result = import_dataset("dfme", src, tmp_path / "rel", profile="none")
    assert errors(result) == []
    table = read_sample_table(result.samples).set_index("filename")
    assert table.loc["1_a_01", "subject"] == "dfme-a_sub_01" and table.loc["1_d_01", "subject"] == "dfme-b_sub_01"
    assert table["fps"].to_dict() == {"1_a_01": 500.0, "2_c_01": 500.0, "1_d_01": 300.0, "7_o_02": 200.0}
    assert table["part"].to_dict() == {"1_a_01": "A", "2_c_01": "A", "1_d_01": "B", "7_o_02": "C"}
    assert table.loc["2_c_01", "emotion"] == "contempt" and table.loc["7_o_02", "emotion"] == "others"
    assert table["action_units"].to_dict() == {"1_a_01": "6+12", "2_c_01": "12", "1_d_01": "4+7", "7_o_02": "1+2"}
    assert table.loc["1_a_01", "apex_frame"] == 30 and table.loc["1_a_01", "n_frames"] == 111
    frames = clip_frames(tmp_path / "rel" / table.loc["7_o_02", "path"])
    assert [f.name for f in frames] == [f"{n}.jpg" for n in range(3, 9)]
    assert table.loc["1_a_01", "label_file"] == "DFME_PART_A_label.xlsx" and table.loc["1_a_01", "label_line"] == 2


def test_duration_rule_warns_with_its_source(layouts, tmp_path):
    # 500 fps: an ME needs onset..offset <= 250 frames or onset..apex <= 125 frames (paper, Sec. 3.3.2)
    rows = [("A", 1, "long", 1, 200, 300, "AU4", "anger"),  # 300 > 250 and 200 > 125: a warning
            ("A", 1, "slow_rise", 1, 200, 250, "AU4", "anger"),  # 250 <= 250: an ME
            ("C", 2, "c_long", 1, 60, 120, "AU4", "anger")]  # 200 fps: 120 > 100 and 60 > 50
    src = layouts["dfme"](tmp_path / "src", rows)
    result = import_dataset("dfme", src, tmp_path / "rel", profile="none")
    assert result.report.valid and errors(result) == []
    warned = [(p.clip, p.line, p.column) for p in result.report.warnings if p.check == "import"]
    assert warned == [("long", 2, "offset"), ("c_long", 2, "offset")]
    assert all("Section 3.3.2" in p.message for p in result.report.warnings if p.check == "import")
    assert len(read_sample_table(result.samples)) == 3  # a warning keeps the sample


def test_published_counts_are_advisory_per_part(layouts, tmp_path):
    src = layouts["dfme"](tmp_path / "src", ROWS)
    result = import_dataset("dfme", src, tmp_path / "rel")
    assert result.report.valid and result.samples is not None
    checks = {p.check for p in result.report.warnings}
    assert {"profile.counts", "profile.counts.part-A", "profile.counts.part-B", "profile.counts.part-C"} <= checks
    messages = [p.message for p in result.report.warnings]
    assert "samples: DFME part A publishes 1118, found 2 (advisory: the source does not confirm this count)" in messages
    assert "class contempt: DFME part A publishes 77, found 1 (advisory: the source does not confirm this count)" \
        in messages


def test_user_column_map_part_column_and_csv(layouts, tmp_path):
    header = ["Participant", "Clip", "OnsetF", "ApexF", "OffsetF", "Action Units", "Label"]
    src = layouts["dfme"](tmp_path / "src", ROWS, part_column="Camera part", header=header,
                          frames="{part}/{subject}/{clip}/frames", suffix="csv")
    cmap = tmp_path / "map.yaml"
    cmap.write_text("label_files: ['*.csv']\nframes: '{part}/{subject}/{clip}/frames'\n"
                    "columns: {subject: Participant, clip: Clip, onset: OnsetF, apex: ApexF, offset: OffsetF,\n"
                    "          action_units: Action Units, emotion: Label, part: Camera part}\n")
    default = import_dataset("dfme", src, tmp_path / "bad", profile="none")  # the default map does not fit
    assert [p.check for p in default.report.errors] == ["labels"] and "Subject" in default.report.errors[0].message
    result = import_dataset("dfme", src, tmp_path / "rel", profile="none", column_map=cmap)
    assert errors(result) == []
    table = read_sample_table(result.samples)
    assert sorted(table["subject"]) == ["dfme-a_sub_01", "dfme-a_sub_02", "dfme-b_sub_01", "dfme-c_sub_07"]
    assert json.loads((tmp_path / "rel" / "dataset.json").read_text())["spec"]["column_map_file"] == str(cmap.resolve())


def test_malformed_rows_every_fault_located(layouts, tmp_path):
    rows = [("A", 1, "ok", 1, 2, 3, "AU6+AU12", "happiness"),
            ("A", 1, "bad_label", 1, 2, 3, "AU4", "joy"),
            ("A", 1, "bad_au", 1, 2, 3, "AU4 or AU5", "anger"),
            ("A", 1, "apex_out", 1, 9, 3, "AU4", "anger"),
            ("A", 2, "no_frames", "x", 2, 3, "AU4", "anger")]
    src = layouts["dfme"](tmp_path / "src", rows)
    (src / "PART_A" / "1" / "ok" / "2.jpg").unlink()
    result = import_dataset("dfme", src, tmp_path / "rel", profile="none")
    got = {(line, column) for file, line, column, _ in errors(result)}
    assert got == {(2, "folder"), (3, "emotion"), (4, "action_units"), (5, "apex"), (6, "folder")}
    assert all(file == "DFME_PART_A_label.xlsx" for file, *_ in errors(result))
    assert result.samples is None


def test_part_faults_and_missing_columns(layouts, tmp_path):
    src = layouts["dfme"](tmp_path / "src", ROWS[:2], part_column="Part")
    (src / "DFME_labels.xlsx").rename(src / "labels.xlsx")
    # no part column named in the map and no part in the file's path: every row says why
    result = import_dataset("dfme", src, tmp_path / "rel", profile="none")
    assert {(p.line, p.column) for p in result.report.errors} == {(2, "part"), (3, "part")}
    assert "names no part column" in result.report.errors[0].message
    cmap = tmp_path / "map.yaml"
    cmap.write_text("columns: {part: Part}\n")
    sheet = pd.read_excel(src / "labels.xlsx")
    sheet.loc[1, "Part"] = "D"
    sheet.to_excel(src / "labels.xlsx", index=False)
    result = import_dataset("dfme", src, tmp_path / "rel", profile="none", column_map=cmap, force=True)
    assert [(p.line, p.column, p.value) for p in result.report.errors] == [(3, "part", "D")]
    cmap.write_text("columns: {emotion: Feeling}\n")
    result = import_dataset("dfme", src, tmp_path / "rel", profile="none", column_map=cmap, force=True)
    assert [p.check for p in result.report.errors] == ["labels"]
    assert "Feeling" in result.report.errors[0].message


@pytest.mark.parametrize("text, words", [
    ("columns: [a, b]", "must map fields"),
    ("colums: {}", "unknown key"),
    ("columns: {mood: Emotion}", "unknown field"),
    ("columns: {onset: ''}", "columns.onset"),
    ("frames: '{subject}/{take}'", "must use {clip}"),
    ("label_files: []", "label_files"),
    ("columns: {a: [", "cannot read as YAML"),
])
def test_malformed_column_map_refused_before_writing(layouts, tmp_path, text, words):
    src = layouts["dfme"](tmp_path / "src", ROWS[:1])
    cmap = tmp_path / "map.yaml"
    cmap.write_text(text)
    with pytest.raises(ColumnMapError, match=words.replace("{", r"\{").replace("}", r"\}").replace("[", r"\[")):
        import_dataset("dfme", src, tmp_path / "rel", column_map=cmap)
    assert not (tmp_path / "rel").exists()


def test_cli_columns_option_without_traceback(layouts, tmp_path):
    src = layouts["dfme"](tmp_path / "src", ROWS[:1])
    cmap = tmp_path / "map.yaml"
    cmap.write_text("colums: {}\n")
    run = subprocess.run(CLI + ["import", "dfme", str(src), "--out", str(tmp_path / "r"), "--columns", str(cmap)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "unknown key" in run.stderr
    run = subprocess.run(CLI + ["import", "casme2", str(src), "--out", str(tmp_path / "r"), "--columns", str(cmap)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "dfme only" in run.stderr
    run = subprocess.run(CLI + ["import", "dfme", str(src), "--out", str(tmp_path / "r"), "--quiet"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
