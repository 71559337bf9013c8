"""Each adapter on a fixture in its dataset's documented layout, and on malformed ones: every fault a
located problem (label file + line, or the clip's folder), never a traceback; valid imports give a
sample table that the pipeline's reader accepts."""

import json
import subprocess
import sys

import pandas as pd

from cmedbench.datasets.importer import import_dataset
from cmedbench.release.frames import clip_frames
from cmedbench.release.sample_table import read_sample_table

CLI = [sys.executable, "-m", "cmedbench.cli"]


def run_import(name, src, out):
    result = import_dataset(name, src, out, profile="none")
    problems = [(p.file, p.line, p.column, p.message) for p in result.report.errors]
    return result, problems


def test_casme2_valid(layouts, tmp_path):
    src = layouts["casme2"](tmp_path / "src", [(1, "EP02_01f", 46, 50, 55, "4+L10", "disgust"),
                                              (2, "EP03_02", 10, 12, 14, "12?", "happiness"),
                                              (2, "EP04_01", 1, 3, 5, None, "repression")],
                            frames={"EP02_01f": range(40, 60)})  # the folder holds more than onset..offset
    result, problems = run_import("casme2", src, tmp_path / "rel")
    assert problems == []
    table = read_sample_table(result.samples)
    first = table.iloc[0]
    assert (first["subject"], first["filename"], first["emotion"]) == ("casme2_sub_01", "EP02_01f", "disgust")
    assert (first["n_frames"], first["apex_frame"], first["onset_number"], first["offset_number"]) == (10, 4, 46, 55)
    assert first["fps"] == 200 and first["action_units"] == "4+10" and first["action_units_published"] == "4+L10"
    assert table["action_units"].tolist() == ["4+10", "12", ""]
    frames = clip_frames(tmp_path / "rel" / first["path"])
    assert [f.name for f in frames] == [f"img{n}.jpg" for n in range(46, 56)]
    assert all(f.is_file() for f in frames)  # through the release's source link, nothing copied
    assert not any(p.suffix == ".jpg" for p in (tmp_path / "rel").rglob("*") if not p.is_symlink()
                   and "source" not in p.parts)


def test_samm_title_rows_and_lines(layouts, tmp_path):
    src = layouts["samm"](tmp_path / "src", [("006", "006_1_2", 5562, 5566, 5570, "R12 + R15", "Anger"),
                                             ("007", "007_3_1", 100, 90, 120, "L4+R12", "Other"),
                                             ("007", "007_5_1", 10, 12, 14, "R12 or R15", "Happiness")])
    result, problems = run_import("samm", src, tmp_path / "rel")
    sheet = "SAMM_Micro_FACS_Codes_v2.xlsx"
    # four title rows, the header on line 5: data from line 6
    assert problems == [
        (sheet, 7, "apex", "apex 90 is outside the clip (onset 100, offset 120)"),
        (sheet, 8, "action_units", "action units 'R12 or R15': alternatives ('or') have no single reading; fix "
                                   "the cell with an erratum"),
    ]
    assert result.samples is None and not (tmp_path / "rel" / "samples.csv").exists()
    report = json.loads((tmp_path / "rel" / "validation.json").read_text())
    assert report["valid"] is False and report["problems"][0]["clip"] == "007_3_1"


def test_smic_folder_tree_has_no_apex_or_aus(layouts, tmp_path):
    src = layouts["smic"](tmp_path / "src", [("s1", "negative", "s1_ne_01", 586146, 9),
                                             ("s3", "surprise", "s3_sur_02", 10, 4)])
    result, problems = run_import("smic-hs", src, tmp_path / "rel")
    assert problems == []
    table = read_sample_table(result.samples)
    assert table["subject"].tolist() == ["smic-hs_sub_01", "smic-hs_sub_03"]
    assert table["apex_frame"].tolist() == [4, 1] and not table["apex_published"].any()
    assert table["action_units"].isna().all() and table["fps"].tolist() == [100.0, 100.0]


def test_casme3_recordings_hold_several_clips(layouts, tmp_path):
    src = layouts["casme3a"](tmp_path / "src", [("spNO.1", "a", 3, 5, 8, "L1+R2", "happy"),
                                                ("spNO.1", "a", 10, 11, 12, "AU4", "disgust")])
    result, problems = run_import("casme3a", src, tmp_path / "rel")
    assert problems == []
    table = read_sample_table(result.samples)
    assert table["filename"].tolist() == ["a_3", "a_10"] and table["fps"].tolist() == [30.0, 30.0]
    assert table["emotion"].tolist() == ["happiness", "disgust"] and table["n_frames"].tolist() == [6, 3]


def test_malformed_casme2_every_fault_located(layouts, tmp_path):
    rows = [(1, "EP01_01", 1, 3, 5, "4", "disgust"),       # frame 4 deleted below
            (1, "EP01_02", 1, 9, 5, "4", "disgust"),       # apex outside the clip
            (2, "EP02_01", 1, 2, 3, "4", "angry-ish"),     # unknown label
            (2, "EP02_02", 1, 2, 3, "L4+X", "disgust"),    # bad AU string
            (3, "EP03_01", 1, 2, 3, "4", "happiness"),     # folder deleted below
            (3, "EP03_02", 1, "/", 3, "4", "happiness"),   # no apex, no erratum for this line
            (3, "EP03_01", 1, 2, 3, "4", "happiness")]     # duplicate clip
    src = layouts["casme2"](tmp_path / "src", rows)
    (src / "CASME2_RAW_selected" / "sub01" / "EP01_01" / "img4.jpg").unlink()
    import shutil

    shutil.rmtree(src / "CASME2_RAW_selected" / "sub03" / "EP03_01")
    result, problems = run_import("casme2", src, tmp_path / "rel")
    by_line = {line: (column, message) for _, line, column, message in problems}
    assert by_line[2] == ("folder", "1 frame(s) of onset..offset 1..5 missing from CASME2_RAW_selected/sub01/EP01_01 "
                                    "(frames 4; the folder holds 1..5)")
    assert by_line[3] == ("apex", "apex 9 is outside the clip (onset 1, offset 5)")
    assert by_line[4][0] == "emotion" and "unknown emotion label 'angry-ish'" in by_line[4][1]
    assert by_line[5][0] == "action_units" and "'X' is not an AU code" in by_line[5][1]
    assert by_line[6][0] == "folder" and "frame folder not found" in by_line[6][1]
    assert by_line[7] == ("apex", "apex frame '/' is not a frame number")
    assert by_line[8][0] == "folder"  # its folder is gone too; a duplicate is reported when it has one
    assert all(f == "CASME2-coding-20140508.xlsx" for f, *_ in problems)
    assert result.samples is None


def test_duplicate_clip(layouts, tmp_path):
    src = layouts["casme2"](tmp_path / "src", [(1, "EP01_01", 1, 2, 3, "4", "disgust"),
                                              (1, "EP01_01", 1, 2, 3, "4", "disgust")])
    _, problems = run_import("casme2", src, tmp_path / "rel")
    assert problems == [("CASME2-coding-20140508.xlsx", 3, "filename",
                         "duplicate clip 'EP01_01' of subject 1 (first at line 2)")]


def test_erratum_fills_an_unusable_cell_only(layouts, tmp_path):
    """CASME II line 62 has two errata (offset 91, apex 78, from meb): applied where the published
    cell is unusable, never over a usable one, and listed with their source in the report."""
    rows = [(1, f"EP{i:02d}_01", 1, 2, 3, "4", "disgust") for i in range(60)]
    rows.append((5, "EP99_01", 70, "/", 80, "4", "disgust"))    # line 62: apex missing, offset usable
    src = layouts["casme2"](tmp_path / "src", rows, frames={"EP99_01": range(70, 92)})
    result, problems = run_import("casme2", src, tmp_path / "rel")
    assert problems == []
    row = read_sample_table(result.samples).iloc[-1]
    assert (row["apex_number"], row["offset_number"], bool(row["apex_published"])) == (78, 80, False)
    check = next(c for c in result.report.checks if c.name == "import")
    applied = check.counts["errata_applied"]
    assert [(a["line"], a["field"], a["value"]) for a in applied] == [(62, "apex", 78)]
    assert "meb" in applied[0]["source"]


def test_missing_columns_and_unreadable_sheet(layouts, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    pd.DataFrame([["Subject", "Filename"], [1, "EP01"]]).to_excel(src / "CASME2-coding.xlsx", header=False, index=False)
    _, problems = run_import("casme2", src, tmp_path / "a")
    assert problems[0][0] is None and "no header row naming Subject, Filename, OnsetFrame" in problems[0][3]
    (src / "CASME2-coding.xlsx").write_bytes(b"not a spreadsheet")
    _, problems = run_import("casme2", src, tmp_path / "b")
    assert "CASME2-coding.xlsx: cannot read as a spreadsheet" in problems[0][3]


def test_published_counts_are_checked(layouts, tmp_path):
    src = layouts["smic"](tmp_path / "src", [("s1", "negative", "s1_ne_01", 1, 4)])
    result = import_dataset("smic-hs", src, tmp_path / "rel")
    messages = [p.message for p in result.report.errors]
    assert "samples: SMIC-HS publishes 164, found 1" in messages
    assert "class positive: SMIC-HS publishes 51, found 0" in messages


def test_cli_import_exit_codes_and_no_traceback(layouts, tmp_path):
    src = layouts["casme2"](tmp_path / "src", [(1, "EP01_01", 1, 9, 5, "4", "disgust")])
    r = subprocess.run(CLI + ["import", "casme2", str(src), "--out", str(tmp_path / "rel"), "--profile", "none",
                              "--quiet"], capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    assert "INVALID" in r.stdout and "validation.json" in r.stderr
    r = subprocess.run(CLI + ["import", "casme2", str(src), "--out", str(tmp_path / "rel"), "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--force" in r.stderr
    r = subprocess.run(CLI + ["import", "nope", str(src), "--out", str(tmp_path / "x")], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "casme2" in r.stderr


def test_erratum_resolves_an_au_cell_with_alternatives(layouts, tmp_path):
    """SAMM line 30 (meb's row 15) holds AUs with 'or' in the v2 file; its erratum reads 'R12 + R15'."""
    rows = [("006", f"006_{i}_1", 10, 11, 12, "4", "Anger") for i in range(24)]
    rows.append(("007", "007_1_1", 10, 11, 12, "R12 or R15", "Happiness"))  # line 30: 4 title rows + header
    src = layouts["samm"](tmp_path / "src", rows)
    result, problems = run_import("samm", src, tmp_path / "rel")
    assert problems == []
    last = read_sample_table(result.samples).iloc[-1]
    assert (last["label_line"], last["action_units"], last["action_units_published"]) == (30, "12+15", "R12 or R15")
