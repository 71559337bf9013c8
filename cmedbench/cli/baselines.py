"""Baselines: train and evaluate one baseline; compare dvc experiments."""

from __future__ import annotations

from pathlib import Path

import click

from ..baselines.backends import BACKENDS
from ..baselines.registry import BASELINES
from ..bench.protocols import PROTOCOLS
from . import main


def _task_names() -> list[str]:
    from ..bench.tasks import tasks

    return list(tasks())


@main.command()
@click.argument("name", type=click.Choice(list(BASELINES)))
@click.option("--task", required=True, type=click.Choice(_task_names()), help="The benchmark task to train and score.")
@click.option("--protocol", default="loso", show_default=True, type=click.Choice(PROTOCOLS),
              help="How subjects are split into folds.")
@click.option("--splits", "splits_dir", default="data/splits", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The benchmark folder written by `cmedbench splits`.")
@click.option("--features", "features_path", type=click.Path(exists=True, path_type=Path),
              help="Feature artifact, a .npz or a shard folder (default: the baseline's file under data/features/).")
@click.option("--params", "params_file", default="params.yaml", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML whose section NAME holds `preset` and any overrides (absent file: the default preset).")
@click.option("--selection", type=click.Choice(["fixed-epochs", "inner-validation"]), default="fixed-epochs",
              show_default=True, help="Never the test fold: fixed epochs, or chosen on held-out training subjects.")
@click.option("--seed", type=int, default=0, show_default=True, help="Run seed; each fold derives its own from it.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto (CUDA when present).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Folds in parallel.")
@click.option("--backend", type=click.Choice(BACKENDS), default="local", show_default=True,
              help="local: processes on this machine, forked from this one on the CPU (no per-worker imports); "
                   "loky: fresh processes on this machine; dask: folds over a Dask cluster.")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a local cluster).")
@click.option("--cpu-profile", type=click.Choice(["portable", "native"]), default="portable", show_default=True,
              help="portable: the same predictions on any x86-64 CPU with AVX2 (pinned kernels, one thread per "
                   "fold); native: torch's defaults (faster on wide CPUs, machine-dependent).")
@click.option("--out", default="results", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Results root; files go to OUT/NAME/TASK/.")
@click.option("--save-models", is_flag=True, default=False,
              help="Also keep each fold's fitted model in OUT/NAME/TASK/models/<fold>/ for `cmedbench predict`.")
def baseline(name, task, protocol, splits_dir, features_path, params_file, selection, seed, device, workers, backend,
             scheduler, cpu_profile, out, save_models):
    """Train and evaluate baseline NAME leave-one-subject-out (or kfold-10), writing
    OUT/NAME/TASK/{predictions.csv, metrics.json, confusion.csv, run.json, submission.json} and an
    untracked timing.json.

    `cmedbench collect` then submits the predictions like any participant's."""
    from ..baselines.backends import BackendUnavailable
    from ..baselines.params import ParamsError
    from ..baselines.results import record_baseline, summary
    from ..baselines.runner import RunConfig
    from ..bench.splits import SplitsError

    cfg = RunConfig(selection, seed, device, workers, backend, scheduler, cpu_profile=cpu_profile,
                    save_models=save_models)
    try:
        run, metrics = record_baseline(name, task, protocol, splits_dir, params_file, cfg, out, features_path)
    except ParamsError as exc:
        raise click.ClickException(f"{params_file}: " + "; ".join(exc.problems)) from None
    except (SplitsError, FileNotFoundError) as exc:
        raise click.UsageError(str(exc)) from None
    except BackendUnavailable as exc:
        raise click.ClickException(f"--backend {backend}: {exc}") from None
    click.echo(summary(run, metrics, out / name / task))


@main.command()
@click.argument("checkpoint", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--samples", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Sample table (CSV with a sample_id column) of the clips to predict.")
@click.option("--features", "features_path", type=click.Path(exists=True, path_type=Path),
              help="Feature artifact holding those clips (default: the baseline's file under data/features/).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Prediction file to write (submission format: sample_id, prediction, score_<label>).")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto (CUDA when present).")
def predict(checkpoint, samples, features_path, out, device):
    """Apply a saved fold model CHECKPOINT (a folder written by `cmedbench baseline --save-models`) to
    the clips of a sample table."""
    from ..baselines.checkpoints import CheckpointError, SamplesTableError, predict_clips

    try:
        done = predict_clips(checkpoint, samples, features_path, out, device)
    except (CheckpointError, SamplesTableError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None
    meta = done["meta"]
    click.echo(f"{meta['baseline']} fold {meta['fold']} ({meta['task']}): {done['n']} clips predicted"
               + (f", {done['n_fallback']} without features got the training majority" if done["n_fallback"] else "")
               + f"; wrote {done['out']}.")


@main.command()
@click.option("--baseline", "baseline_filter", type=click.Choice(list(BASELINES)), default=None,
              help="Only this baseline.")
@click.option("--task", "task_filter", type=click.Choice(_task_names()), default=None, help="Only this task.")
@click.option("--num", type=click.IntRange(1), default=1, show_default=True,
              help="Experiments of this many commits back from HEAD.")
def experiments(baseline_filter, task_filter, num) -> None:
    """Compare `dvc exp` experiments: pooled UF1 / UAR / accuracy per baseline and task, with the params
    that differ between experiments (`dvc exp run -S dgcnn.k=30` makes one)."""
    from rich.table import Table

    from ..baselines.experiments import ExperimentsError, list_experiments
    from ..console import err_console, out_console

    try:
        found = list_experiments(".", num, baseline_filter, task_filter)
    except ExperimentsError as exc:
        raise click.ClickException(str(exc)) from None
    table = Table(title="dvc experiments (pooled metrics; LOSO unless the protocol param says otherwise)")
    for col in ("experiment", "baseline", "task", "UF1", "UAR", "accuracy", "UF1 mean/folds", "params that differ"):
        table.add_column(col, justify="right" if col[0].isupper() else "left")
    fmt = lambda v: "missing" if v is None else f"{v:.4f}"  # noqa: E731
    for r in found.rows:
        table.add_row(str(r["experiment"]), r["baseline"], r["task"], fmt(r["uf1"]), fmt(r["uar"]),
                      fmt(r["accuracy"]), fmt(r["uf1_mean_over_folds"]), r["params"])
    out_console().print(table)
    for note in found.missing:
        err_console().print(f"metrics file missing or unreadable in {note}; run its stage (dvc repro) to make it")
    if not found.rows:
        err_console().print("no baseline metrics found: run the pipeline first (dvc repro)")
