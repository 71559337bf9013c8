import csv

import numpy as np
import pytest

from cmedbench.bench.protocols import ProtocolError, assign_folds
from cmedbench.bench.splits import SplitsError, load_benchmark
from cmedbench.bench.tasks import get_task, tasks
from helpers import make_splits, read_folds, truth


def test_tasks_are_data_with_fixed_label_lists():
    assert get_task("emotion-3").labels == ("negative", "positive", "surprise")
    assert get_task("emotion-3").label_of("fear") == "negative"
    assert get_task("emotion-6").excluded == ("no-me",)
    assert get_task("me-spotting").label_of("happiness") == "me"
    assert set(tasks()) == {"me-spotting", "emotion-6", "emotion-3"}


def test_loso_is_subject_and_kfold_is_subject_independent_and_seeded():
    subjects = np.array([f"sub_{i % 23:02d}" for i in range(500)])
    assert (assign_folds(subjects, "loso") == subjects).all()
    a, b = assign_folds(subjects, "kfold-10", seed=1), assign_folds(subjects, "kfold-10", seed=1)
    assert (a == b).all() and len(set(a)) == 10
    for s in set(subjects):
        assert len(set(a[subjects == s])) == 1  # a subject never spans two folds
    assert not (assign_folds(subjects, "kfold-10", seed=2) == a).all()
    with pytest.raises(ProtocolError, match="at least 10 subjects"):
        assign_folds(subjects[:3], "kfold-10")
    with pytest.raises(ProtocolError, match="unknown protocol"):
        assign_folds(subjects, "holdout")


def test_benchmark_folder_round_trip(tmp_path):
    root = make_splits(tmp_path / "splits")
    rows = read_folds(root, "emotion-6")
    t = truth(root)
    assert all(t[r["sample_id"]] != "no-me" for r in rows)  # the task's exclusion is applied
    assert {r["fold"] for r in rows} == {r["subject"] for r in rows}
    with open(root / "samples.csv") as fh:
        assert next(csv.reader(fh)) == ["sample_id", "subject", "path"]  # no labels for participants
    b = load_benchmark(root, "emotion-6", "loso")
    assert len(b.sample_ids) == len(rows) and b.task.name == "emotion-6"
    code = {label: i for i, label in enumerate(b.task.labels)}
    assert [code[t[s]] for s in b.sample_ids] == b.y_true.tolist()


def test_splits_are_deterministic(tmp_path):
    a, b = make_splits(tmp_path / "a"), make_splits(tmp_path / "b")
    for rel in ("truth.csv", "samples.csv", "folds/emotion-3/kfold-10.csv", "folds/me-spotting/loso.csv"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes()


def test_edited_fold_map_is_detected(tmp_path):
    root = make_splits(tmp_path / "splits")
    p = root / "folds/emotion-3/loso.csv"
    p.write_text(p.read_text().replace("sub_01", "sub_02", 1))
    with pytest.raises(SplitsError, match="does not match the hash"):
        load_benchmark(root, "emotion-3", "loso")


def test_missing_folder_and_unknown_protocol(tmp_path):
    with pytest.raises(SplitsError, match="run `cmedbench splits`"):
        load_benchmark(tmp_path, "emotion-3", "loso")
    root = make_splits(tmp_path / "splits")
    with pytest.raises(SplitsError, match="unknown protocol"):
        load_benchmark(root, "emotion-3", "leave-two-out")
