"""CAS(ME)^2 and SAMM Long Videos annotation workbooks, on small fixtures in their documented layouts."""

import pandas as pd
import pytest

from cmedbench.spotting.annotations import AnnotationError, casme2_events, read_casme2, read_samm_long, samm_long_events

from .workbooks import write_book

openpyxl = pytest.importorskip("openpyxl")

CASME2_CODES = [
    [1, "anger1_1", 557, 572, 608, "4+7", "negative", "macro-expression", "sad"],
    [1, "anger1_2", 2854, 2862, 2871, "4", "negative", "micro-expression", "anger"],
    [2, "happy1_4", 10, 15, 20, "12", "positive", "micro-expression", "happy"],
    [2, "disgust1_1", 100, 0, 150, "9", "others", "macro-expression", ""],
]
CASME2_SUBJECTS = [["participant", 15, 1], ["participant", 16, 2]]
CASME2_VIDEOS = [["0401", "anger1"], ["0502", "happy1"], ["0101", "disgust1"]]


def test_casme2_workbook(tmp_path):
    path = write_book(tmp_path / "CAS(ME)^2code_final.xlsx", [CASME2_CODES, CASME2_SUBJECTS, CASME2_VIDEOS])
    ev = read_casme2(path)
    assert ev["video_id"].tolist() == ["15_0401", "15_0401", "16_0502", "16_0101"]
    assert ev["participant"].tolist() == ["s15", "s15", "s16", "s16"]
    assert ev["type"].tolist() == ["macro", "me", "me", "macro"]
    assert ev["class"].tolist() == ["negative", "negative", "positive", ""]  # others: no STR class
    assert ev["apex"].isna().tolist() == [False, False, False, True]  # apex 0 lies outside: kept, warned


def test_casme2_every_row_problem_at_once():
    codes = pd.DataFrame([[1, "anger1_1", 20, 15, 10, "", "negative", "micro-expression", ""],
                          [9, "anger1_1", 1, 2, 3, "", "negative", "micro-expression", ""],
                          [1, "nosuch_1", 1, 2, 3, "", "negative", "micro-expression", ""]])
    with pytest.raises(AnnotationError) as err:
        casme2_events(codes, pd.DataFrame(CASME2_SUBJECTS), pd.DataFrame(CASME2_VIDEOS))
    assert sorted(p.line for p in err.value.problems) == [1, 2, 3]


def test_samm_long_workbook(tmp_path):
    title = [["SAMM Long Videos"] + [""] * 9] + [[""] * 10] * 8 + [["Subject", "Filename", "Inducement Code", "Onset", "Apex",
                                                    "Offset", "Duration", "Type", "Action Units", "Notes"]]
    rows = [[6, "006_1_1", 1, 566, 632, 743, 178, "Macro", "R12", ""],
            [6, "006_1_2", 1, 3881, 3908, 3943, 63, "Micro - 1/2", "4", ""],
            [7, "007_3_1", 3, 100, -1, 160, 61, "Macro", "12", "apex not coded"]]
    ev = read_samm_long(write_book(tmp_path / "SAMM_LongVideos_V2_Release.xlsx", [title + rows]))
    assert ev["video_id"].tolist() == ["006_1", "006_1", "007_3"]
    assert ev["participant"].tolist() == ["006", "006", "007"]
    assert ev["type"].tolist() == ["macro", "me", "macro"]
    assert ev["apex"].isna().tolist() == [False, False, True]
    bad = pd.DataFrame(title + [[6, "006_1_1", 1, "x", 2, 3, 1, "Macro", "", ""]])
    with pytest.raises(AnnotationError) as err:
        samm_long_events(bad)
    assert err.value.problems[0].line == 11
