"""Baselines: train and evaluate one baseline; compare dvc experiments."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import EXIT_INVALID, EXIT_USAGE, main  # noqa: F401


@main.command()
@click.argument("name", type=click.Choice(["majority", "stratified", "lbptop-svm", "vgg16", "dgcnn", "ststnet"]))
@click.option("--task", required=True, type=click.Choice(["me-spotting", "emotion-6", "emotion-3"]))
@click.option("--protocol", default="loso", show_default=True, type=click.Choice(["loso", "kfold-10"]))
@click.option("--splits", "splits_dir", default="data/splits", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--features", "features_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Feature artifact (default: the baseline's file under data/features/).")
@click.option("--params", "params_file", default="params.yaml", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML with a section per baseline (svm, vgg, dgcnn, ststnet): preset + overrides.")
@click.option("--selection", type=click.Choice(["fixed-epochs", "inner-validation"]), default="fixed-epochs",
              show_default=True, help="Never the test fold: fixed epochs, or chosen on held-out training subjects.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto (CUDA when present).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Folds in parallel.")
@click.option("--backend", type=click.Choice(["loky", "dask"]), default="loky", show_default=True)
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a local cluster).")
@click.option("--out", default="results", show_default=True, type=click.Path(file_okay=False, path_type=Path))
def baseline(name, task, protocol, splits_dir, features_path, params_file, selection, seed, device, workers, backend,
             scheduler, out):
    """Train and evaluate baseline NAME leave-one-subject-out (or kfold-10), writing
    OUT/NAME/TASK/{predictions.csv, metrics.json, confusion.csv, run.json, submission.json}.

    `cmedbench leaderboard collect` then submits the predictions like any participant's."""
    import yaml

    from ..baselines.presets import BASELINES
    from ..baselines.runner import RunConfig, run_baseline, write_results

    section = BASELINES[name]["section"]
    params = {}
    if section and params_file.is_file():
        params = (yaml.safe_load(params_file.read_text()) or {}).get(section) or {}
    cfg = RunConfig(selection, seed, device, workers, backend, scheduler)
    try:
        run = run_baseline(name, task, protocol, splits_dir, params, cfg, features_path)
    except (ValueError, FileNotFoundError) as exc:
        raise click.UsageError(str(exc)) from None
    metrics = write_results(out / name / task, name, run, cfg)
    click.echo(f"{name} / {task} / {protocol}: UF1 {metrics['uf1']:.4f}  UAR {metrics['uar']:.4f}  "
               f"accuracy {metrics['accuracy']:.4f}  ({run['runtime_s']:.1f} s, preset {run['preset']}) "
               f"-> {out / name / task}")


@main.command()
@click.option("--baseline", "baseline_filter", default=None, help="Only this baseline (e.g. dgcnn).")
@click.option("--task", "task_filter", default=None, help="Only this task.")
@click.option("--num", type=click.IntRange(1), default=1, show_default=True,
              help="Experiments of this many commits back from HEAD.")
def experiments(baseline_filter, task_filter, num) -> None:
    """Compare `dvc exp` experiments: pooled UF1 / UAR / accuracy per baseline and task, with the params
    that differ between experiments (`dvc exp run -S dgcnn.k=30` makes one)."""
    import dvc.api
    from rich.table import Table

    from ..baselines.experiments import experiment_rows
    from ..console import out_console

    try:
        rows = dvc.api.exp_show(repo=".", num=num)
    except Exception as exc:  # DVC raises many types for "not a repo / nothing run yet"
        raise click.ClickException(f"dvc exp show failed: {exc}") from None
    table = Table(title="dvc experiments (pooled metrics; LOSO unless the protocol param says otherwise)")
    for col in ("experiment", "baseline", "task", "UF1", "UAR", "accuracy", "UF1 mean/folds", "params that differ"):
        table.add_column(col, justify="right" if col[0].isupper() else "left")
    fmt = lambda v: "–" if v is None else f"{v:.4f}"  # noqa: E731
    for r in experiment_rows(rows, baseline_filter, task_filter):
        table.add_row(str(r["experiment"]), r["baseline"], r["task"], fmt(r["uf1"]), fmt(r["uar"]),
                      fmt(r["accuracy"]), fmt(r["uf1_mean_over_folds"]), r["params"])
    out_console().print(table)
