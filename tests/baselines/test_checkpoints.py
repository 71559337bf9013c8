"""Saved fold models: save -> load -> predict reproduces the runner's fold predictions; bad checkpoint
folders are refused with the file named."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cmedbench.baselines.checkpoints import (
    CheckpointError,
    load_checkpoint,
    predict_clips,
)
from cmedbench.baselines.results import record_baseline
from cmedbench.baselines.runner import RunConfig
from cmedbench.cli import main

SUBJECTS = [f"sub_{i:02d}" for i in range(1, 5)]
FEATURES = {"lbptop-svm": "lbptop.npz", "ststnet": "flow.npz", "dgcnn": "graphs.pt", "vgg16": "apex.npz",
            "majority": None}


@pytest.fixture(scope="module")
def ws(tmp_path_factory, make_feature_workspace):
    from cmedbench.features.config import ApexConfig
    from cmedbench.features.config import RunConfig as FeatureRun
    from cmedbench.features.stages import apex_stage

    counts = pd.DataFrame({"happiness": 4, "surprise": 3, "anger": 2, "disgust": 1, "sadness": 1, "no-me": 2},
                          index=SUBJECTS)
    ws = make_feature_workspace(tmp_path_factory.mktemp("ws"), counts)
    root = ws["features"].parent  # apex crops (VGG-16's input), small, as the pipeline's apex stage makes them
    apex_stage(root / "samples.csv", ws["release"], ws["features"] / "landmarks.npz", ws["features"] / "apex.npz",
               ApexConfig(size=40), FeatureRun(workers=1), progress=False)
    return ws


def _run(ws, tmp_path, baseline, params=None):
    feats = ws["features"] / FEATURES[baseline] if FEATURES[baseline] else None
    params_file = tmp_path / "params.yaml"
    params_file.write_text(json.dumps({baseline: params or {}}))
    cfg = RunConfig(progress=False, workers=1, save_models=True)
    run, _ = record_baseline(baseline, "emotion-3", "loso", ws["splits"], params_file, cfg, tmp_path / "results", feats)
    return run, feats


@pytest.mark.parametrize("baseline,params", [("lbptop-svm", None), ("ststnet", {"epochs": 2}), ("dgcnn", {"epochs": 1}),
                                             ("vgg16", {"epochs": 1, "input_size": 32}), ("majority", None)])
def test_saved_fold_model_reproduces_the_fold_predictions(ws, tmp_path, baseline, params):
    run, feats = _run(ws, tmp_path, baseline, params)
    models = tmp_path / "results" / baseline / "emotion-3" / "models"
    folds = sorted(set(run.bench.folds.tolist()))
    assert sorted(p.name for p in models.iterdir()) == sorted(map(str, folds))
    fold = folds[1]
    ids = run.bench.sample_ids[run.bench.folds == fold]
    samples = tmp_path / "new.csv"
    samples.write_text("sample_id,subject\n" + "".join(f"{i},x\n" for i in ids))
    out = tmp_path / "pred.csv"
    result = CliRunner().invoke(main, ["predict", str(models / str(fold)), "--samples", str(samples),
                                       "--out", str(out)] + (["--features", str(feats)] if feats else []))
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out)
    want = pd.read_csv(tmp_path / "results" / baseline / "emotion-3" / "predictions.csv").set_index("sample_id")
    want = want.loc[list(ids)]
    assert list(got["sample_id"]) == list(ids)
    assert list(got["prediction"]) == list(want["prediction"])
    scores = [c for c in got.columns if c.startswith("score_")]
    np.testing.assert_allclose(got[scores].to_numpy(), want[scores].to_numpy(), atol=1e-6)


def test_models_are_opt_in(ws, tmp_path):
    cfg = RunConfig(progress=False, workers=1)
    record_baseline("majority", "emotion-3", "loso", ws["splits"], tmp_path / "none.yaml", cfg, tmp_path / "r")
    assert not (tmp_path / "r" / "majority" / "emotion-3" / "models").exists()


def test_bad_checkpoints_are_refused_with_the_file_named(ws, tmp_path):
    _run(ws, tmp_path, "ststnet", {"epochs": 1})
    folder = next((tmp_path / "results" / "ststnet" / "emotion-3" / "models").iterdir())
    load_checkpoint(folder)  # the good one loads
    meta_file = folder / "checkpoint.json"
    good = meta_file.read_text()

    def refused(meta=None, weights=None):
        if meta is not None:
            meta_file.write_text(meta)
        if weights is not None:
            (folder / "weights.pt").write_bytes(weights)
        with pytest.raises(CheckpointError) as exc:
            load_checkpoint(folder)
        return str(exc.value)

    assert "checkpoint.json" in refused(meta="{not json")
    meta = json.loads(good)
    assert "labels" in refused(meta=json.dumps({**meta, "labels": ["a", "b", "c"]}))
    assert "version" in refused(meta=json.dumps({**meta, "version": 99}))
    assert "unknown baseline" in refused(meta=json.dumps({**meta, "baseline": "nope"}))
    blob = (folder / "weights.pt").read_bytes()
    meta_file.write_text(good)
    assert "weights.pt" in refused(weights=blob[:100])  # sha256 mismatch
    # weights that pass the hash but do not fit the params: located at the weights file
    import hashlib
    import io

    import torch

    buf = io.BytesIO()
    torch.save({"fc.weight": torch.zeros(2, 2)}, buf)
    meta_file.write_text(json.dumps({**meta, "sha256": hashlib.sha256(buf.getvalue()).hexdigest()}))
    (folder / "weights.pt").write_bytes(buf.getvalue())
    ids = tmp_path / "ids.csv"
    ids.write_text("sample_id\n" + "\n".join(str(s) for s in np.load(ws["features"] / "flow.npz")["sample_id"][:2]))
    with pytest.raises(CheckpointError, match="weights.pt"):
        predict_clips(folder, ids, ws["features"] / "flow.npz", tmp_path / "p.csv")
    # a pickle that is not a plain state dict is refused by weights_only loading
    import pickle

    evil = pickle.dumps(print)
    meta_file.write_text(json.dumps({**meta, "sha256": hashlib.sha256(evil).hexdigest()}))
    (folder / "weights.pt").write_bytes(evil)
    assert "weights.pt" in refused()
    assert "checkpoint.json" in refused(meta=json.dumps({**meta, "format": "other"}))
