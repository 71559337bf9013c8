"""The AU task: truth from the action_units column, the hashed benchmark folder, the multi-label
submission parser, per-AU F1 and the AU ledger."""

import json

import numpy as np
import pandas as pd
import pytest

from cmedbench.bench.au_board import AUBoardError, collect_au, read_au_ledger
from cmedbench.bench.au_metrics import au_f1, evaluate_au
from cmedbench.bench.au_splits import (
    AUTaskUnavailable,
    build_au_splits,
    load_au_benchmark,
)
from cmedbench.bench.au_submission import (
    AUEvaluator,
    au_predictions_csv,
    parse_au_submission,
)
from cmedbench.bench.au_task import AUTaskError, au_truth, get_au_task
from cmedbench.bench.splits import SplitsError
from cmedbench.bench.submission import SubmissionError
from cmedbench.bench.tasks import tasks

TASK = get_au_task()


def table(n_subjects=12, per_subject=6, seed=0):
    """A sample table with coded AUs: AU4 on anger, AU12 on happiness, AU1+AU2 on surprise, No-ME blank."""
    rng = np.random.default_rng(seed)
    emotions = ["anger", "happiness", "surprise", "no-me"]
    code = {"anger": "4", "happiness": "6+12", "surprise": "1+2", "no-me": ""}
    rows = []
    for s in range(n_subjects):
        for k in range(per_subject):
            e = emotions[int(rng.integers(len(emotions)))]
            rows.append({"sample_id": f"{s:02d}{k:02d}" + "a" * 8, "subject": f"sub_{s + 1:02d}", "emotion": e,
                         "path": f"clips/{s}_{k}.mp4", "action_units": code[e]})
    return pd.DataFrame(rows, index=pd.RangeIndex(2, 2 + len(rows), name="line"))


def test_the_classification_tasks_skip_the_multilabel_entry():
    assert "au-detection" not in tasks()
    assert set(tasks()) == {"me-spotting", "emotion-6", "emotion-3"}
    assert TASK.source == "action_units" and "no-me" not in TASK.emotions


def test_truth_keeps_aus_with_enough_samples_and_leaves_out_no_me_and_uncoded():
    t = table()
    t.loc[t.index[0], "action_units"] = "NA"  # not coded
    t.loc[t.index[1], "action_units"] = "4+17"  # AU17 once: below any useful threshold
    truth = au_truth(t, TASK, min_samples=3)
    assert 17 not in truth.aus and truth.counts[17] == 1
    assert set(truth.aus) == {1, 2, 4, 6, 12}
    coded = t[(t["emotion"] != "no-me") & (t["action_units"] != "NA")]
    assert sorted(truth.sample_ids) == truth.sample_ids == sorted(coded["sample_id"])
    row = truth.sample_ids.index(t.loc[t.index[1], "sample_id"])
    assert truth.y[row].tolist() == [int(a in (4, 17)) for a in truth.aus]


def test_truth_refusals_name_the_problem():
    t = table()
    with pytest.raises(AUTaskError, match="no 'action_units' column"):
        au_truth(t.drop(columns="action_units"), TASK)
    bad = t.copy()
    bad.loc[bad.index[3], "action_units"] = "L4+R12"
    bad.loc[bad.index[3], "emotion"] = "anger"
    with pytest.raises(AUTaskError, match=r"line 5, column action_units: 'L4\+R12' is not canonical"):
        au_truth(bad, TASK)
    with pytest.raises(AUTaskError, match="no action unit is coded on at least 1000"):
        au_truth(t, TASK, min_samples=1000)


def test_a_release_without_usable_aus_gets_a_folder_that_says_so(tmp_path):
    files = build_au_splits(table().drop(columns="action_units"), "sha256:x")
    assert list(files) == ["manifest.json"]
    assert "no 'action_units' column" in json.loads(files["manifest.json"])["unavailable"]
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"])
    with pytest.raises(AUTaskUnavailable, match="unavailable on this release"):
        load_au_benchmark(tmp_path)
    uncoded = table().assign(action_units="NA")
    assert "no action unit is coded" in json.loads(build_au_splits(uncoded, "x")["manifest.json"])["unavailable"]


def test_benchmark_folder_is_reproducible_and_hashed(tmp_path):
    t = table()
    files = build_au_splits(t, "sha256:x", seed=0, min_samples=3)
    assert files == build_au_splits(t.sample(frac=1, random_state=1), "sha256:x", seed=0, min_samples=3)
    manifest = json.loads(files["manifest.json"])
    assert manifest["aus"] == ["AU1", "AU2", "AU4", "AU6", "AU12"]
    assert set(manifest["protocols"]) == {"loso", "kfold-10"}
    assert manifest["protocols"]["loso"]["n_folds"] == 12 and manifest["protocols"]["kfold-10"]["n_folds"] == 10
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    b = load_au_benchmark(tmp_path, "loso")
    assert b.aus == ("AU1", "AU2", "AU4", "AU6", "AU12") and (b.folds == b.subjects).all()
    assert b.fold_map_sha256 == manifest["protocols"]["loso"]["sha256"]
    (tmp_path / "truth.csv").write_bytes(files["truth.csv"].replace(b",0\n", b",1\n", 1))
    with pytest.raises(SplitsError, match="does not match the hash"):
        load_au_benchmark(tmp_path, "loso")
    with pytest.raises(SplitsError, match="not an AU benchmark folder"):
        load_au_benchmark(tmp_path / "nowhere")


@pytest.fixture()
def bench_dir(tmp_path):
    for rel, data in build_au_splits(table(), "sha256:x", seed=0, min_samples=3).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    return tmp_path


def test_perfect_and_probability_submissions(bench_dir):
    ev = AUEvaluator("loso", bench_dir)
    b = ev.bench
    assert ev.eval(au_predictions_csv(b.sample_ids, b.folds, b.aus, b.y_true))["pooled"]["mean_f1"] == 1.0
    probs = np.where(b.y_true == 1, 0.7, 0.2)
    result = ev.eval(au_predictions_csv(b.sample_ids, b.folds, b.aus, probs))
    assert result["pooled"]["f1"] == {a: 1.0 for a in b.aus}
    shuffled = au_predictions_csv(b.sample_ids[::-1], b.folds[::-1], b.aus, b.y_true[::-1])
    assert ev.eval(shuffled)["pooled"]["mean_f1"] == 1.0  # matched by id, not by row order


def test_every_problem_of_a_bad_submission_is_located(bench_dir):
    b = load_au_benchmark(bench_dir)
    good = au_predictions_csv(b.sample_ids, b.folds, b.aus, b.y_true).decode().splitlines()
    rows = good[:1] + [good[1].replace(",0,", ",1.5,", 1), good[2].rsplit(",", 1)[0] + ",fold-x", good[2],
                       "nope" + good[3][good[3].index(","):], good[4].replace(",0,", ",yes,", 1)] + good[5:-1]
    with pytest.raises(SubmissionError) as info:
        parse_au_submission("\n".join(rows).encode(), b)
    messages = {(p.line, p.message.split(" ")[0]) for p in info.value.problems}
    text = " | ".join(p.message for p in info.value.problems)
    assert "is not in [0, 1]" in text and "contradicts the fold map" in text and "appears again" in text
    assert "unknown sample_id 'nope" in text and "'yes' is not a number" in text and "have no row" in text
    assert all(p.line is not None for p in info.value.problems if "have no row" not in p.message)
    assert len(messages) >= 5
    with pytest.raises(SubmissionError, match="problem"):
        parse_au_submission(b"sample_id,AU99\n", b)


def test_per_au_f1_by_hand_and_undefined_folds_left_out():
    y = np.array([[1, 0], [1, 0], [0, 0], [0, 1]])
    p = np.array([[1, 0], [0, 0], [1, 0], [0, 1]])
    assert au_f1(y, p).tolist() == [0.5, 1.0]
    folds = np.array(["a", "a", "b", "b"])
    r = evaluate_au(y, p, folds, ("AU1", "AU2"))
    assert r["pooled"] == {"mean_f1": 0.75, "f1": {"AU1": 0.5, "AU2": 1.0}}
    assert r["per_fold"]["a"]["f1"] == {"AU1": round(2 / 3, 6), "AU2": None}
    assert r["mean_over_folds"]["f1"]["AU2"] == 1.0  # fold a has no AU2 either way: left out, not 0 or 1
    assert r["per_au"]["AU1"] == {"support": 2, "prevalence": 0.5, "predicted": 2, "tp": 1, "fp": 1, "fn": 1}


def test_the_au_ledger_appends_once_and_refuses_a_tampered_chain(bench_dir, tmp_path):
    b = load_au_benchmark(bench_dir)
    results = tmp_path / "results-au"
    for name, values in (("perfect", b.y_true), ("nothing", np.zeros_like(b.y_true))):
        (results / name).mkdir(parents=True)
        (results / name / "predictions.csv").write_bytes(au_predictions_csv(b.sample_ids, b.folds, b.aus, values))
        (results / name / "submission.json").write_text(json.dumps(
            {"model": name, "description": "d", "selection": "fixed-epochs", "seeds": [0], "task": "au-detection",
             "protocol": "loso", "kind": "measured"}))
    board = tmp_path / "board"
    assert len(collect_au(results, bench_dir, board).stored) == 2
    again = collect_au(results, bench_dir, board)
    assert (len(again.stored), again.already) == (0, 2)
    records = read_au_ledger(board)
    assert [r["model"] for r in records] == ["nothing", "perfect"]
    md = (board / "LEADERBOARD.md").read_text()
    assert md.index("| perfect |") < md.index("| nothing |")
    assert len(list((board / "predictions").glob("*.csv.gz"))) == 2
    lines = (board / "records.jsonl").read_text().splitlines()
    (board / "records.jsonl").write_text(lines[0].replace('"nothing"', '"everything"') + "\n" + lines[1] + "\n")
    with pytest.raises(AUBoardError, match="line 1: the record does not match its id"):
        collect_au(results, bench_dir, board)
    (board / "records.jsonl").write_text(lines[1] + "\n")
    with pytest.raises(AUBoardError, match="line 1: the chain is broken"):
        read_au_ledger(board)
    (results / "perfect" / "submission.json").write_text("{}")
    with pytest.raises(AUBoardError, match="perfect"):
        collect_au(results, bench_dir, tmp_path / "other")
