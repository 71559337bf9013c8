"""Bring-your-own-model folds: a partition by subject, no test labels handed out, and prediction files
the evaluator scores exactly as it scores a built-in baseline's."""

import numpy as np
import pandas as pd
import pytest

from cmedbench.baselines.folds import Folds, ScoresShapeError
from cmedbench.baselines.results import predictions_bytes
from cmedbench.baselines.runner import RunConfig, run_baseline
from cmedbench.bench.evaluator import Evaluator

SUBJECTS = [f"sub_{i:02d}" for i in range(1, 4)]


@pytest.fixture(scope="module")
def ws(tmp_path_factory, make_feature_workspace):
    counts = pd.DataFrame({"happiness": 2, "surprise": 2, "anger": 1, "disgust": 1, "sadness": 1, "no-me": 2},
                          index=SUBJECTS)
    return make_feature_workspace(tmp_path_factory.mktemp("ws"), counts, frames=16)


def test_folds_partition_the_samples_by_subject_and_keep_test_labels_back(ws):
    folds = Folds(ws["splits"], "emotion-3")
    seen = []
    for fold in folds:
        subjects = folds.samples["subject"]
        assert not set(subjects[fold.train]) & set(subjects[fold.test])
        assert np.array_equal(fold.y_train, folds.bench.y_true[fold.train])
        assert not hasattr(fold, "y_test")
        seen += fold.test.tolist()
    assert sorted(seen) == list(range(len(folds.samples))) and len(folds) == 3
    assert "label" not in folds.samples.columns


def test_written_predictions_match_a_baselines_file_and_score(ws, tmp_path):
    run = run_baseline("stratified", "emotion-3", "loso", ws["splits"], None, RunConfig(progress=False, workers=1))
    folds = Folds(ws["splits"], "emotion-3")
    path = folds.write_predictions(run.probs, tmp_path / "p.csv")
    assert path.read_bytes() == predictions_bytes(run)
    X, have = folds.load(ws["features"] / "lbptop.npz", "X")
    assert len(X) == len(folds.samples) and have.all()
    result = Evaluator("emotion-3", "loso", ws["splits"]).eval(path.read_bytes())
    assert result["n_samples"] == len(folds.samples)


@pytest.mark.parametrize("bad", ["shape", "negative"])
def test_scores_that_cannot_be_a_prediction_file_are_refused(ws, tmp_path, bad):
    folds = Folds(ws["splits"], "emotion-3")
    n, c = len(folds.samples), len(folds.labels)
    scores = np.ones((n, c + 1)) if bad == "shape" else -np.ones((n, c))
    with pytest.raises(ScoresShapeError):
        folds.write_predictions(scores, tmp_path / "p.csv")
