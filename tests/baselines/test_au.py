"""The AU baselines: thresholds from training subjects only, the prevalence floor, and an end-to-end run
on a rendered release (release -> validate -> au splits -> floor -> AU board)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from cmedbench.baselines.au import (
    AUFeaturesMissing,
    UnknownAUBaseline,
    au_fold_predictions,
    best_threshold,
    get_au_baseline,
)
from cmedbench.bench.au_splits import AUBenchmark

CLI = [sys.executable, "-m", "cmedbench.cli"]


def bench(n_subjects=8, per_subject=10, seed=0):
    rng = np.random.default_rng(seed)
    subjects = np.repeat([f"sub_{i:02d}" for i in range(n_subjects)], per_subject).astype(object)
    y = (rng.random((len(subjects), 3)) < [0.5, 0.3, 0.0]).astype(np.int8)
    ids = np.array([f"{i:012x}" for i in range(len(subjects))], dtype=object)
    return AUBenchmark("au-detection", "loso", "sha256:x", "0" * 64, ids, subjects, subjects.copy(),
                       ("AU1", "AU4", "AU9"), y, "")


def features(b, rng, signal=6.0, d=40):
    X = rng.normal(size=(len(b.sample_ids), d))
    X[:, :3] += signal * b.y_true  # one informative dimension per AU
    return X


def test_best_threshold_maximises_f1_and_never_predicts_an_absent_au():
    scores = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    assert best_threshold(scores, np.array([0, 0, 0, 1, 1])) == 0.8
    assert best_threshold(scores, np.array([0, 1, 0, 1, 1])) == 0.2
    assert best_threshold(scores, np.zeros(5, int)) == float("inf")


def test_prevalence_floor_predicts_every_au_seen_in_training():
    b = bench()
    pred = au_fold_predictions(b, None, "floor")
    for fold in np.unique(b.folds):
        test = b.folds == fold
        assert (pred[test] == (b.y_true[~test].sum(axis=0) > 0)).all()
    assert not pred[:, 2].any()  # AU9 never occurs


def test_linear_baseline_detects_a_signal_and_never_looks_at_the_test_fold():
    b = bench()
    rng = np.random.default_rng(1)
    X = features(b, rng)
    pred = au_fold_predictions(b, X, "measured")
    assert (pred[:, :2] == b.y_true[:, :2]).mean() > 0.9
    # flip the labels of one test fold: its own predictions must not change
    first = b.folds == b.folds[0]
    y2 = b.y_true.copy()
    y2[first] = 1 - y2[first]
    flipped = AUBenchmark(*[getattr(b, f) for f in ("task", "protocol", "dataset_fingerprint", "fold_map_sha256",
                                                    "sample_ids", "subjects", "folds", "aus")], y2, "")
    assert (au_fold_predictions(flipped, X, "measured")[first] == pred[first]).all()


def test_unknown_names_and_missing_features_are_refused(tmp_path):
    with pytest.raises(UnknownAUBaseline, match="au-prevalence"):
        get_au_baseline("au-svm")
    assert get_au_baseline("au-flow").array == "flow_28"
    with pytest.raises(AUFeaturesMissing, match="does not exist"):
        from cmedbench.baselines.au import load_au_features

        load_au_features(tmp_path / "none.npz", "X", np.array(["a"], dtype=object))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("au")
    run = lambda *a: subprocess.run(CLI + [str(x) for x in a], capture_output=True, text=True, cwd=root)
    done = run("synth", "release", "release", "--subjects", 3, "--scale", 0.02, "--max-emotion-frames", 16,
               "--max-no-me-frames", 16, "--workers", 1)
    assert done.returncode == 0, done.stderr
    done = run("validate", "release", "--quiet", "--samples", "index/samples.csv")
    assert done.returncode == 0, done.stderr + done.stdout
    return root, run


def test_end_to_end_on_a_rendered_release(rendered):
    root, run = rendered
    done = run("au", "splits", "--samples", "index/samples.csv", "--out", "au_splits", "--min-samples", 2)
    assert done.returncode == 0, done.stderr
    assert "AUs kept (>= 2 samples)" in done.stdout and "AU12" in done.stdout
    done = run("au", "baseline", "au-prevalence", "--splits", "au_splits", "--out", "results-au")
    assert done.returncode == 0, done.stderr
    meta = json.loads((root / "results-au" / "au-prevalence" / "submission.json").read_text())
    assert meta["kind"] == "floor" and meta["task"] == "au-detection"
    done = run("au", "score", "results-au/au-prevalence/predictions.csv", "--splits", "au_splits")
    assert done.returncode == 0 and json.loads(done.stdout)["pooled"]["mean_f1"] > 0
    done = run("au", "collect", "results-au", "--splits", "au_splits", "--board", "board")
    assert done.returncode == 0 and "1 new AU record(s)" in done.stdout
    assert "AU prevalence floor" in (root / "board" / "LEADERBOARD.md").read_text()
    done = run("au", "baseline", "au-lbptop", "--splits", "au_splits", "--features", "missing.npz")
    assert done.returncode == 1 and "missing.npz does not exist" in done.stderr and "Traceback" not in done.stderr


def test_a_release_without_action_units_runs_through_saying_so(rendered):
    """CMED codes no AUs: the AU stages must not break `make run` on it, and must say why they are empty."""
    from cmedbench.release.sample_table import read_sample_table, write_sample_table

    root, run = rendered
    table = read_sample_table(root / "index" / "samples.csv").drop(columns="action_units")
    write_sample_table(table, root / "index" / "plain.csv")
    done = run("au", "splits", "--samples", "index/plain.csv", "--out", "plain")
    assert done.returncode == 0, done.stderr
    assert "unavailable on this release" in done.stdout and "no 'action_units' column" in done.stdout
    done = run("au", "baseline", "au-flow", "--splits", "plain", "--out", "plain-results")
    assert done.returncode == 0 and "nothing to run" in done.stdout, done.stderr
    assert json.loads((root / "plain-results" / "au-flow" / "metrics.json").read_text())["unavailable"]
    done = run("au", "collect", "plain-results", "--splits", "plain", "--board", "plain-board")
    assert done.returncode == 0 and "0 new AU record(s)" in done.stdout and "1 run(s)" in done.stdout
    done = run("au", "score", "plain-results/au-flow/predictions.csv", "--splits", "plain")
    assert done.returncode == 2 and "unavailable on this release" in done.stderr
