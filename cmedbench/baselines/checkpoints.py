"""Saved fold models: what a fold's fitted estimator needs to predict new clips, and nothing that could
run code on load.

A checkpoint is a folder ``<fold>/`` holding ``checkpoint.json`` (format, baseline, task, labels, the
estimator's resolved params, feature artifact name and array, fold id, the training majority class and
the weights file's sha256) and the weights: ``weights.pt`` (a torch state dict, read with
``torch.load(weights_only=True)``) for the torch baselines, ``model.joblib`` for the scikit-learn ones.
A joblib file is a pickle: it is only read after the JSON checks and the sha256 match, so only load
checkpoints you made or trust.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import numpy as np

from ..atomic import staged_dir, write_bytes, write_text

FORMAT = "cmedbench-fold-model"
VERSION = 1
META = "checkpoint.json"
WEIGHTS = {"torch": "weights.pt", "sklearn": "model.joblib"}


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be loaded, with the file and the problem."""


class SamplesTableError(ValueError):
    """A sample table to predict that is unreadable or has no usable sample_id column."""


def fold_model_payload(est, params: dict, majority: int) -> dict:
    """Serialise a fitted estimator in the fold worker (bytes travel back to the runner cheaply)."""
    from .estimators import _TorchBaseline

    buf = io.BytesIO()
    if isinstance(est, _TorchBaseline):
        import torch

        torch.save({k: v.detach().cpu() for k, v in est.model_.state_dict().items()}, buf)
        kind = "torch"
    else:
        import joblib

        joblib.dump(est, buf)
        kind = "sklearn"
    return {"kind": kind, "blob": buf.getvalue(), "params": params, "majority": int(majority)}


def save_fold_models(models_dir: Path, run, payloads: dict, features_name: str | None, force: bool = True) -> Path:
    """Write one checkpoint folder per fold under ``models_dir`` (built aside, swapped in whole)."""
    from .registry import get_baseline

    spec = get_baseline(run.name)
    with staged_dir(models_dir, force=force) as tmp:
        for fold, payload in payloads.items():
            if payload is None:  # a fold with no training rows fitted nothing
                continue
            weights = WEIGHTS[payload["kind"]]
            write_bytes(tmp / str(fold) / weights, payload["blob"])
            meta = {"format": FORMAT, "version": VERSION, "baseline": run.name, "kind": payload["kind"],
                    "task": run.bench.task.name, "protocol": run.bench.protocol, "fold": str(fold),
                    "labels": list(run.bench.task.labels), "params": payload["params"],
                    "majority": payload["majority"], "features": features_name, "array": spec.array,
                    "weights": weights, "sha256": hashlib.sha256(payload["blob"]).hexdigest()}
            write_text(tmp / str(fold) / META, json.dumps(meta, indent=2, default=str) + "\n")
    return models_dir


class FoldModel:
    """A loaded checkpoint: ``predict_proba(ids, X, have)`` gives one probability row per clip."""

    def __init__(self, path: Path, meta: dict, blob: bytes):
        self.path, self.meta, self._blob = path, meta, blob

    @property
    def labels(self) -> list[str]:
        return self.meta["labels"]

    def predict_proba(self, X, have: np.ndarray, device: str = "cpu") -> np.ndarray:
        from .selection import take

        n = len(have)
        probs = np.zeros((n, len(self.labels)))
        probs[:, self.meta["majority"]] = 1.0  # clips without features: the training majority, as in the run
        rows = np.flatnonzero(have)
        if len(rows):
            est = self._estimator(take(X, rows), device)
            probs[rows] = est.predict_proba(take(X, rows))
        return probs

    def _estimator(self, X, device: str):
        if self.meta["kind"] == "sklearn":
            import joblib

            return joblib.load(io.BytesIO(self._blob))
        import torch

        from .registry import get_baseline
        from .runner import make_estimator

        spec = get_baseline(self.meta["baseline"])
        params = {k: v for k, v in self.meta["params"].items() if k != "pretrained_weights"}
        try:
            est = make_estimator(spec, params, len(self.labels), 0, device)
        except TypeError as exc:
            raise CheckpointError(f"{self.path / META}: params do not fit {spec.name}: {exc}") from None
        state = torch.load(io.BytesIO(self._blob), map_location="cpu", weights_only=True)
        est.model_ = est._build(X)
        try:
            est.model_.load_state_dict(state)
        except RuntimeError as exc:
            raise CheckpointError(f"{self.path / self.meta['weights']}: the weights do not fit a {spec.name} "
                                  f"with these params and features: {str(exc).splitlines()[0]}") from None
        est.model_.to(device)
        return est


def load_checkpoint(path: str | Path) -> FoldModel:
    """Read and check a checkpoint folder; refuses, naming the file, anything that does not fit."""
    from ..bench.tasks import tasks
    from .registry import BASELINES

    path = Path(path)
    meta_file = path / META
    if not meta_file.is_file():
        raise CheckpointError(f"{path}: not a checkpoint folder ({META} is missing)")
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{meta_file}: unreadable JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{meta_file}: not a cmedbench fold model (format is not {FORMAT!r})")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"{meta_file}: version {meta.get('version')!r}; this cmedbench reads version {VERSION}")
    for key, typ in (("baseline", str), ("kind", str), ("task", str), ("labels", list), ("params", dict),
                     ("majority", int), ("weights", str), ("sha256", str), ("fold", str)):
        if not isinstance(meta.get(key), typ):
            raise CheckpointError(f"{meta_file}: field {key!r} is missing or not a {typ.__name__}")
    if meta["baseline"] not in BASELINES:
        raise CheckpointError(f"{meta_file}: unknown baseline {meta['baseline']!r}")
    if meta["kind"] not in WEIGHTS or meta["weights"] != WEIGHTS[meta["kind"]]:
        raise CheckpointError(f"{meta_file}: kind {meta['kind']!r} with weights file {meta['weights']!r} is not "
                              f"one of {WEIGHTS}")
    known = tasks()
    if meta["task"] not in known:
        raise CheckpointError(f"{meta_file}: unknown task {meta['task']!r}")
    if list(known[meta["task"]].labels) != meta["labels"]:
        raise CheckpointError(f"{meta_file}: labels {meta['labels']} are not task {meta['task']}'s "
                              f"{list(known[meta['task']].labels)}")
    if not 0 <= meta["majority"] < len(meta["labels"]):
        raise CheckpointError(f"{meta_file}: majority class {meta['majority']} is not a label index")
    weights = path / meta["weights"]
    try:
        blob = weights.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{weights}: cannot read the weights ({exc.strerror})") from None
    if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
        raise CheckpointError(f"{weights}: sha256 does not match {META} (changed or truncated)")
    if meta["kind"] == "torch":
        import pickle

        import torch

        try:
            torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
        except (RuntimeError, pickle.UnpicklingError, EOFError) as exc:
            raise CheckpointError(f"{weights}: not a plain torch state dict ({str(exc).splitlines()[0]})") from None
    return FoldModel(path, meta, blob)


def read_sample_ids(samples: str | Path) -> np.ndarray:
    """The ``sample_id`` column of a sample table, each id once."""
    samples = Path(samples)
    try:
        with samples.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "sample_id" not in reader.fieldnames:
                raise SamplesTableError(f"{samples}: no sample_id column (header is {reader.fieldnames})")
            ids, seen = [], set()
            for row_no, row in enumerate(reader, start=2):
                sid = (row["sample_id"] or "").strip()
                if not sid:
                    raise SamplesTableError(f"{samples}, row {row_no}: empty sample_id")
                if sid in seen:
                    raise SamplesTableError(f"{samples}, row {row_no}: sample_id {sid!r} appears twice")
                seen.add(sid)
                ids.append(sid)
    except (OSError, UnicodeDecodeError) as exc:
        raise SamplesTableError(f"{samples}: unreadable ({exc})") from None
    return np.array(ids, dtype=object)


def predict_clips(checkpoint: str | Path, samples: str | Path, features: str | Path | None,
                  out: str | Path, device: str = "cpu") -> dict:
    """Apply a saved fold model to the clips of a sample table; writes a prediction file (submission
    format, no fold column) and returns {n, n_fallback, out}."""
    from .registry import get_baseline
    from .results import scores_csv_bytes
    from .runner import load_features, resolve_device

    model = load_checkpoint(checkpoint)
    spec = get_baseline(model.meta["baseline"])
    ids = read_sample_ids(samples)
    device = resolve_device(device)
    X, have = load_features(spec, features, ids)
    probs = model.predict_proba(X, have, device)
    write_bytes(out, scores_csv_bytes(ids, model.labels, probs))
    return {"n": len(ids), "n_fallback": int((~have).sum()), "out": Path(out), "meta": model.meta}
