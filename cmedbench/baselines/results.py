"""A baseline run's files, and the one verb the CLI calls: resolve params, run every fold, write.

``results/<name>/<task>/`` gets predictions.csv, metrics.json (a DVC metric), confusion.csv and confusion.png
(DVC plots; the image is row-normalised with counts and reads offline), submission.json (what `collect` puts on the board) and run.json (resolved params, preset,
overrides, per-fold choices): all deterministic, so an unchanged rerun leaves git clean. The facts of
one particular run (runtime, workers, threads) go to timing.json, which neither git nor DVC tracks.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..atomic import write_bytes, write_text
from ..bench.figures import result_confusion_png
from .params import load_section
from .registry import get_baseline
from .runner import BaselineRun, RunConfig, run_baseline

TIMING_FILE = "timing.json"


def predictions_bytes(run: BaselineRun) -> bytes:
    """The prediction file of a baseline run."""
    return prediction_file_bytes(run.bench, run.probs)


def prediction_file_bytes(bench, probs: np.ndarray) -> bytes:
    """Argmax label plus per-class scores (rows summing to 1) rounded to sum to exactly 1, one line per
    sample of ``bench``."""
    return scores_csv_bytes(bench.sample_ids, bench.task.labels, probs, bench.folds)


def scores_csv_bytes(sample_ids, labels, probs: np.ndarray, folds=None) -> bytes:
    """``sample_id,prediction[,fold],score_<label>...``; scores rounded to 6 places summing to exactly 1."""
    pred = probs.argmax(axis=1)
    fold_col = "fold," if folds is not None else ""
    lines = ["sample_id,prediction," + fold_col + ",".join(f"score_{lab}" for lab in labels)]
    for k, (sid, p, row) in enumerate(zip(sample_ids, pred, probs)):
        probs_row = np.round(row, 6)
        probs_row[np.argmax(probs_row)] += 1.0 - probs_row.sum()  # exact sum after rounding
        fold = f"{folds[k]}," if folds is not None else ""
        lines.append(f"{sid},{labels[p]},{fold}" + ",".join(f"{v:.6f}" for v in probs_row))
    return ("\n".join(lines) + "\n").encode()


def submission(run: BaselineRun, cfg: RunConfig) -> dict:
    """What the board shows: the registry's title and preset, and how the model was selected."""
    spec = get_baseline(run.name)
    preset = run.resolved.preset
    if spec.description is not None:
        description = spec.description
    else:
        weights = ""
        if "pretrained_weights" in run.resolved.params:
            weights = "ImageNet weights; " if run.pretrained else "from scratch; "
        shown = {k: v for k, v in run.resolved.overrides.items() if k != "pretrained_weights"}
        description = (f"{weights}preset {preset}" + "".join(f", {k}={v}" for k, v in shown.items())
                       + f"; {cfg.selection}; params in run.json")
    if run.n_fallback:
        description += f"; {run.n_fallback} clips without features got the training majority"
    return {
        "model": f"{spec.title} [{preset}]" if spec.section else spec.title,
        "description": description,
        "selection": cfg.selection if spec.kind != "floor" else "fixed-epochs",
        "seeds": [cfg.seed], "task": run.bench.task.name, "protocol": run.bench.protocol,
        "kind": spec.kind,
    }


def write_results(out_dir: Path, run: BaselineRun, cfg: RunConfig) -> dict:
    """Write the run's files into ``out_dir``; the prediction file is scored by the same parser and
    evaluator as anyone's. Returns metrics.json's content."""
    from ..bench.evaluator import Evaluator

    bench = run.bench
    labels = bench.task.labels
    data = predictions_bytes(run)
    result = Evaluator(bench.task.name, bench.protocol, bench.root).eval(data)
    write_text(out_dir / "predictions.csv", data.decode())
    metrics = {"uf1": result["pooled"]["uf1"], "uar": result["pooled"]["uar"], "accuracy": result["pooled"]["accuracy"],
               "uf1_mean_over_folds": result["mean_over_folds"]["uf1"],
               "uar_mean_over_folds": result["mean_over_folds"]["uar"],
               "worst_subject_uar": result["worst_subject"]["uar"], "n_samples": result["n_samples"],
               "n_fallback": run.n_fallback}
    write_text(out_dir / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    pred = run.probs.argmax(axis=1)
    conf = ["actual,predicted"] + [f"{labels[a]},{labels[b]}" for a, b in zip(bench.y_true, pred)]
    write_text(out_dir / "confusion.csv", "\n".join(conf) + "\n")
    write_bytes(out_dir / "confusion.png", result_confusion_png(result, f"{run.name} · {bench.task.name} · {bench.protocol}"))
    write_text(out_dir / "submission.json", json.dumps(submission(run, cfg), indent=2) + "\n")
    write_text(out_dir / "run.json", json.dumps({
        "baseline": run.name, "preset": run.resolved.preset, "params": run.resolved.params,
        "overrides": run.resolved.overrides, "selection": cfg.selection, "chosen_per_fold": run.chosen,
        "device": run.device, "pretrained": run.pretrained, "provenance": run.provenance}, indent=2, default=str) + "\n")
    write_text(out_dir / TIMING_FILE, json.dumps({
        "runtime_s": round(run.runtime_s, 2), "workers": cfg.workers, "backend": cfg.backend,
        "threads_per_fold": run.threads_per_fold,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}, indent=2) + "\n")
    return metrics


def record_baseline(name: str, task: str, protocol: str, splits: str | Path, params_file: str | Path,
                    cfg: RunConfig, out: str | Path, features: str | Path | None = None) -> tuple[BaselineRun, dict]:
    """Train and evaluate baseline ``name`` on every fold and write ``out/<name>/<task>/``."""
    run = run_baseline(name, task, protocol, splits, load_section(params_file, name), cfg, features)
    metrics = write_results(Path(out) / name / task, run, cfg)
    if run.models is not None:
        from .checkpoints import save_fold_models

        spec = get_baseline(name)
        features_name = Path(features or spec.features).name if spec.features is not None else None
        save_fold_models(Path(out) / name / task / "models", run, run.models, features_name)
    return run, metrics


def summary(run: BaselineRun, metrics: dict, out_dir: Path) -> str:
    """One sentence for the log."""
    preset = f"preset {run.resolved.preset}" if run.resolved.preset != "none" else "no parameters"
    overrides = ", ".join(f"{k}={v}" for k, v in run.resolved.overrides.items())
    return (f"{run.name} on {run.bench.task.name} ({run.bench.protocol}): pooled UF1 {metrics['uf1']:.4f}, "
            f"UAR {metrics['uar']:.4f}, accuracy {metrics['accuracy']:.4f}; {preset}"
            + (f" with {overrides}" if overrides else "") + f"; {run.runtime_s:.1f} s on {run.device}; "
            f"files in {out_dir}.")
