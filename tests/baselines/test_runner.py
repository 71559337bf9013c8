"""The fold runner on a small rendered release: leak-free, deterministic, backend-independent, and the
learned baselines find the signal the majority floor cannot."""

import json

import numpy as np
import pandas as pd
import pytest

import cmedbench.baselines.estimators as est_mod
from cmedbench.baselines.results import write_results
from cmedbench.baselines.runner import RunConfig, run_baseline
from cmedbench.bench.floors import floor_predictions
from cmedbench.bench.splits import load_benchmark

SUBJECTS = [f"sub_{i:02d}" for i in range(1, 7)]


@pytest.fixture(scope="module")
def ws(tmp_path_factory, make_feature_workspace):
    counts = pd.DataFrame({"happiness": 5, "surprise": 4, "anger": 2, "disgust": 1, "sadness": 1, "no-me": 3},
                          index=SUBJECTS)
    return make_feature_workspace(tmp_path_factory.mktemp("ws"), counts)


def features(ws, baseline):
    name = {"lbptop-svm": "lbptop.npz", "dgcnn": "graphs.pt", "ststnet": "flow.npz"}[baseline]
    return ws["features"] / name


def run(ws, baseline, task="emotion-3", params=None, **cfg):
    cfg = RunConfig(**{"progress": False, "workers": 1, **cfg})
    feats = None if baseline in ("majority", "stratified") else features(ws, baseline)
    return run_baseline(baseline, task, "loso", ws["splits"], params, cfg, feats)


def key(row) -> bytes:
    import hashlib

    return hashlib.sha1(np.ascontiguousarray(row, dtype=np.float32).tobytes()).digest()


@pytest.mark.parametrize("selection", ["fixed-epochs", "inner-validation"])
def test_no_fold_ever_trains_on_its_test_subject(ws, monkeypatch, selection):
    bench = load_benchmark(ws["splits"], "emotion-3", "loso")
    seen = []
    original = est_mod.LbpTopSVM.fit

    def spy(self, X, y):
        seen.append({key(row) for row in X})
        return original(self, X, y)

    monkeypatch.setattr(est_mod.LbpTopSVM, "fit", spy)
    out = run(ws, "lbptop-svm", params={"C_grid": [0.01, 1.0]}, selection=selection)
    z = np.load(features(ws, "lbptop-svm"))
    row_of = {str(s): key(x) for s, x in zip(z["sample_id"], z["X"])}
    assert len(set(row_of.values())) == len(row_of)  # the key tells every clip apart
    folds = sorted(set(bench.folds.tolist()))
    per_fold = len(seen) // len(folds)
    assert per_fold == (1 if selection == "fixed-epochs" else 3)  # inner-validation: 2 grid fits + refit
    for k, fold in enumerate(folds):
        test_rows = {row_of[s] for s, f in zip(bench.sample_ids, bench.folds) if f == fold}
        for fitted in seen[k * per_fold:(k + 1) * per_fold]:
            assert not (fitted & test_rows), f"fold {fold} trained on its own test subject"
    if selection == "inner-validation":
        assert set(out.chosen.values()) <= {0.01, 1.0}


def test_cpu_rerun_reproduces_predictions_exactly(ws):
    params = {"epochs": 3}
    a = run(ws, "ststnet", params=params, workers=2)
    b = run(ws, "ststnet", params=params, workers=2)
    assert np.array_equal(a.probs, b.probs)


def test_forked_fold_workers_give_the_same_predictions_as_fresh_processes(ws):
    from cmedbench.baselines.backends import forks

    params = {"epochs": 3}
    local = run(ws, "ststnet", params=params, workers=2, backend="local", progress=True)  # epoch queue too
    assert forks(RunConfig(workers=2, backend="local"))
    loky = run(ws, "ststnet", params=params, workers=2, backend="loky")
    assert np.array_equal(local.probs, loky.probs)


def test_a_failing_forked_fold_stops_the_run_with_its_error(ws, monkeypatch):
    def broken(self, X, y):
        raise RuntimeError("fold exploded")

    monkeypatch.setattr(est_mod.LbpTopSVM, "fit", broken)  # the forked workers inherit the patch
    with pytest.raises(RuntimeError, match="fold exploded"):
        run(ws, "lbptop-svm", workers=2, backend="local")


def test_local_does_not_fork_for_cuda_or_one_worker():
    from cmedbench.baselines.backends import forks

    assert not forks(RunConfig(workers=2, backend="local", device="cuda"))
    assert not forks(RunConfig(workers=1, backend="local"))
    assert not forks(RunConfig(workers=2, backend="loky"))


@pytest.mark.slow
def test_dask_cluster_gives_the_same_predictions_as_loky(ws):
    params = {"epochs": 2}
    loky = run(ws, "dgcnn", params=params, workers=2, backend="loky")
    dask = run(ws, "dgcnn", params=params, workers=2, backend="dask")
    assert np.array_equal(loky.probs, dask.probs)


@pytest.mark.slow
@pytest.mark.parametrize("baseline", ["lbptop-svm", "dgcnn", "ststnet"])
def test_learned_baselines_beat_the_majority_floor_on_emotion_3(ws, tmp_path, baseline):
    cfg = RunConfig(progress=False, workers=2)
    floor = write_results(tmp_path / "majority", run(ws, "majority"), cfg)
    learned = write_results(tmp_path / baseline, run(ws, baseline, workers=2), cfg)
    assert learned["uf1"] > floor["uf1"] + 0.05, (learned, floor)


def test_results_are_a_valid_submission(ws, tmp_path):
    cfg = RunConfig(progress=False)
    metrics = write_results(tmp_path / "r", run(ws, "stratified"), cfg)
    lines = (tmp_path / "r" / "predictions.csv").read_text().splitlines()
    assert lines[0] == "sample_id,prediction,fold,score_negative,score_positive,score_surprise"
    assert json.loads((tmp_path / "r" / "submission.json").read_text())["kind"] == "floor"
    assert set(metrics) >= {"uf1", "uar", "accuracy", "uf1_mean_over_folds"}
    conf = pd.read_csv(tmp_path / "r" / "confusion.csv")
    assert list(conf.columns) == ["actual", "predicted"] and len(conf) == len(lines) - 1


@pytest.mark.parametrize("kind", ["majority", "stratified"])
def test_floors_have_one_implementation(ws, kind):
    """The runner's floor and `cmedbench floor` (bench.floors) give the same label for every clip."""
    bench = load_benchmark(ws["splits"], "emotion-3", "loso")
    out = run(ws, kind, seed=3)
    assert np.array_equal(out.probs.argmax(1), floor_predictions(bench.y_true, bench.folds, 3, kind, seed=3))


def test_run_json_is_deterministic_and_timing_goes_elsewhere(ws, tmp_path):
    cfg = RunConfig(progress=False, workers=1)
    params = {"preset": "default", "epochs": 2, "lr": None}
    for out in ("a", "b"):
        write_results(tmp_path / out, run(ws, "ststnet", params=params), cfg)
    for name in ("run.json", "predictions.csv", "metrics.json", "submission.json", "confusion.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    record = json.loads((tmp_path / "a" / "run.json").read_text())
    assert record["overrides"] == {"epochs": 2} and record["params"]["epochs"] == 2 and record["preset"] == "default"
    assert "runtime_s" not in record and "runtime_s" in json.loads((tmp_path / "a" / "timing.json").read_text())
    assert "preset default, epochs=2" in json.loads((tmp_path / "a" / "submission.json").read_text())["description"]
