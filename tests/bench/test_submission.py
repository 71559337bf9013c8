"""The prediction-file parser: every bad input rejected with its line, all problems in one pass."""

import random

import pandas as pd
import pytest

from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.submission import SubmissionError

TASK = "emotion-3"
MAP = {"anger": "negative", "disgust": "negative", "fear": "negative", "sadness": "negative",
       "happiness": "positive", "surprise": "surprise"}


@pytest.fixture(scope="module")
def splits(tmp_path_factory, make_splits):
    return make_splits(tmp_path_factory.mktemp("b") / "splits")


@pytest.fixture(scope="module")
def ev(splits):
    return Evaluator(TASK, "loso", splits, n_boot=100)


@pytest.fixture(scope="module")
def rows(splits, read_folds, truth):
    t = truth(splits)
    return [(r["sample_id"], MAP[t[r["sample_id"]]], r["fold"]) for r in read_folds(splits, TASK)]


def csv_text(rows, header="sample_id,prediction,fold"):
    return header + "\n" + "".join(",".join(r) + "\n" for r in rows)


def rejected(ev, data):
    with pytest.raises(SubmissionError) as info:
        ev.eval(data if isinstance(data, bytes) else data.encode())
    return info.value.problems


def test_perfect_predictions_score_one_and_row_order_does_not_matter(ev, rows):
    r = ev.eval(csv_text(rows).encode())
    assert r["pooled"]["uf1"] == 1.0 and r["mean_over_folds"]["uar"] == 1.0
    shuffled = rows[:]
    random.Random(0).shuffle(shuffled)
    wrong = [(s, "positive", f) for s, _, f in shuffled]
    assert ev.eval(csv_text(shuffled).encode())["pooled"] == r["pooled"]
    assert ev.eval(csv_text(wrong).encode())["pooled"]["uar"] == pytest.approx(1 / 3)


def test_dataframe_and_mapping_inputs(ev, rows):
    df = pd.DataFrame(rows, columns=["sample_id", "prediction", "fold"])
    assert ev.eval(df)["pooled"]["uf1"] == 1.0
    assert ev.eval({s: p for s, p, _ in rows})["pooled"]["uf1"] == 1.0
    assert "sample_id" in ev.expected_input_format and "negative" in ev.expected_input_format


def test_bom_and_crlf_are_fine(ev, rows):
    data = b"\xef\xbb\xbf" + csv_text(rows).replace("\n", "\r\n").encode()
    assert ev.eval(data)["pooled"]["uf1"] == 1.0


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"\xff\xfe garbage", "UTF-8"),
])
def test_unreadable_files(ev, data, needle):
    problems = rejected(ev, data)
    assert len(problems) == 1 and needle in problems[0].message


def test_wrong_header_names_every_problem(ev):
    msgs = [p.message for p in rejected(ev, b"id,label\n")]
    assert len(msgs) == 4
    assert sum("unexpected column" in m for m in msgs) == 2 and sum("required column" in m for m in msgs) == 2


def test_huge_file_is_refused_without_reading_it(ev, tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    problems = rejected_path(ev, big)
    assert "MB" in problems[0].message and "at most" in problems[0].message


def rejected_path(ev, path):
    with pytest.raises(SubmissionError) as info:
        ev.eval(path)
    return info.value.problems


def test_every_row_problem_in_one_pass(ev, rows):
    bad = [list(r) for r in rows]
    bad[0][1] = "Positive"                 # line 2: wrong case -> did you mean
    bad[1][1] = ""                         # line 3: blank
    bad[2][1] = "2"                        # line 4: numeric label
    bad[3][1] = "happiness"                # line 5: label of another task
    bad[4][2] = "sub_99"                   # line 6: fold contradicts the map
    bad[5][0] = "ffffffffffff"             # line 7: unknown id (and its real id is now missing)
    bad[6][1] = "nan"                      # line 8
    bad.append(list(rows[10]))             # last line: duplicate id
    problems = rejected(ev, csv_text([tuple(r) for r in bad]))
    by_line = {p.line: p.message for p in problems if p.line}
    assert "did you mean 'positive'" in by_line[2]
    assert "blank or NaN" in by_line[3] and "blank or NaN" in by_line[8]
    assert "not numbers" in by_line[4]
    assert "label of task 'emotion-6'" in by_line[5]
    assert "contradicts the fold map" in by_line[6]
    assert "unknown sample_id 'ffffffffffff'" in by_line[7]
    assert "first on line 12" in by_line[len(bad) + 1]
    assert any(p.line is None and "1 sample(s)" in p.message and rows[5][0] in p.message for p in problems)
    assert len(problems) == 9


def test_header_problems(ev, rows):
    problems = rejected(ev, csv_text([r + ("x",) for r in rows], "sample_id,prediction,fold,notes"))
    assert [p.message.split(";")[0] for p in problems] == ["unexpected column 'notes'"]
    problems = rejected(ev, csv_text([(s, p, s) for s, p, _ in rows], "sample_id,prediction,sample_id"))
    assert "appears 2 times" in problems[0].message
    problems = rejected(ev, csv_text([(s, p, "0.5") for s, p, _ in rows], "sample_id,prediction,score_positive"))
    assert "all or none" in problems[0].message


def test_ragged_rows(ev, rows):
    text = csv_text(rows).replace(rows[3][0] + ",", rows[3][0] + ",x,", 1)
    problems = rejected(ev, text)
    assert any(p.line == 5 and "4 fields" in p.message for p in problems)


def test_probabilities(ev, rows):
    header = "sample_id,prediction,score_negative,score_positive,score_surprise"
    good = [(s, p, "0.2", "0.5", "0.3") for s, p, _ in rows]
    assert ev.eval(csv_text(good, header).encode())["pooled"]["uf1"] == 1.0
    bad = list(good)
    bad[0] = (rows[0][0], rows[0][1], "0.2", "0.2", "0.2")
    bad[1] = (rows[1][0], rows[1][1], "nan", "0.5", "0.5")
    bad[2] = (rows[2][0], rows[2][1], "-0.1", "0.6", "0.5")
    bad[3] = (rows[3][0], rows[3][1], "x", "0.5", "0.5")
    problems = rejected(ev, csv_text(bad, header))
    msgs = {p.line: p.message for p in problems}
    assert "sum to 0.6000" in msgs[2] and "not a probability" in msgs[3]
    assert "not a probability" in msgs[4] and "not a number" in msgs[5]


def test_missing_rows_listed(ev, rows):
    problems = rejected(ev, csv_text(rows[:-20]))
    assert len(problems) == 1 and problems[0].message.startswith("20 sample(s)")
