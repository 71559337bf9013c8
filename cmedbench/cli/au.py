"""The AU detection task: its benchmark folder, scoring, baselines and board (``cmedbench au ...``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..baselines.au import AU_BASELINES
from . import EXIT_INVALID, main, output_exists
from .release import sample_table_failure, samples_option

AU_SPLITS_OPTION = click.option("--splits", "splits_dir", default="data/au_splits", show_default=True,
                                type=click.Path(file_okay=False, path_type=Path),
                                help="AU benchmark folder written by `cmedbench au splits`.")
PROTOCOL_OPTION = click.option("--protocol", default="loso", show_default=True, help="loso or kfold-10.")


@main.group()
def au() -> None:
    """AU detection: one binary decision per action unit, scored by per-AU F1 and their mean."""


@au.command("splits")
@samples_option("Sample table with an action_units column (written by `cmedbench validate --samples`).")
@click.option("--out", default="data/au_splits", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="AU benchmark folder to write.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the kfold-10 subject shuffle.")
@click.option("--min-samples", type=click.IntRange(1), default=None,
              help="Keep the AUs coded on at least this many samples (default: the task's, in tasks.yaml).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def au_splits(samples: Path, out: Path, seed: int, min_samples: int | None, force: bool) -> None:
    """Write the AU task's fold maps and answer key from the sample table."""
    from ..atomic import OutputExists
    from ..bench.au_splits import write_au_splits
    from ..bench.au_task import AUTaskError
    from ..release.sample_table import SampleTableError

    try:
        manifest = write_au_splits(samples, out, seed, min_samples, force)
    except SampleTableError as exc:
        raise sample_table_failure(exc, samples) from None
    except AUTaskError as exc:
        raise click.ClickException(str(exc)) from None
    except OutputExists:
        raise output_exists(out) from None
    if "unavailable" in manifest:
        click.echo(f"wrote {out}: the AU task is unavailable on this release ({manifest['unavailable']})")
        return
    counts = ", ".join(f"{a} {manifest['au_counts'][a]}" for a in manifest["aus"])
    click.echo(f"wrote {out}: {manifest['n_samples']} samples, {len(manifest['aus'])} AUs kept "
               f"(>= {manifest['min_samples']} samples): {counts}")


@au.command("score")
@click.argument("predictions", type=click.Path(dir_okay=False, path_type=Path))
@AU_SPLITS_OPTION
@PROTOCOL_OPTION
def au_score(predictions: Path, splits_dir: Path, protocol: str) -> None:
    """Validate and score an AU prediction file (sample_id,AU1,AU2,...); prints the result as JSON."""
    from ..bench.au_submission import AUEvaluator
    from ..bench.splits import SplitsError
    from ..bench.submission import SubmissionError
    from ..bench.tables import print_problems

    try:
        result = AUEvaluator(protocol, splits_dir).eval(predictions)
    except SplitsError as exc:
        raise click.UsageError(str(exc)) from None
    except SubmissionError as exc:
        print_problems(exc.problems, name=str(predictions))
        sys.exit(EXIT_INVALID)
    click.echo(json.dumps({k: result[k] for k in ("task", "protocol", "n_samples", "pooled", "mean_over_folds")},
                          indent=2))


@au.command("baseline")
@click.argument("name", type=click.Choice(list(AU_BASELINES)))
@AU_SPLITS_OPTION
@PROTOCOL_OPTION
@click.option("--features", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Feature artifact (default: data/features/lbptop.npz or flow.npz; the floor reads none).")
@click.option("--alpha", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True,
              help="Ridge penalty per feature of the linear baselines.")
@click.option("--inner-folds", type=click.IntRange(2), default=4, show_default=True,
              help="Subject groups of the inner split that chooses each AU's threshold.")
@click.option("--out", default="results-au", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Results folder; the run writes OUT/NAME/.")
def au_baseline(name: str, splits_dir: Path, protocol: str, features: Path | None, alpha: float, inner_folds: int,
                out: Path) -> None:
    """Run an AU baseline (or the prevalence floor) over every fold and score it."""
    from ..baselines.au import AUFeaturesMissing, run_au_baseline
    from ..bench.splits import SplitsError

    try:
        result = run_au_baseline(name, splits_dir, out, protocol, features, alpha, inner_folds)
    except (SplitsError, AUFeaturesMissing) as exc:
        raise click.ClickException(str(exc)) from None
    if "unavailable" in result:
        click.echo(f"{name}: nothing to run, {result['unavailable']}")
        return
    f1 = ", ".join(f"{a} {v:.3f}" if v is not None else f"{a} n/a" for a, v in result["pooled"]["f1"].items())
    click.echo(f"{name} ({protocol}): mean F1 {result['pooled']['mean_f1']:.4f}; {f1}")


@au.command("collect")
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@AU_SPLITS_OPTION
@click.option("--board", default="leaderboard/au", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="AU ledger folder (records.jsonl, kept predictions, LEADERBOARD.md).")
def au_collect(results: Path, splits_dir: Path, board: Path) -> None:
    """Append every new AU result of RESULTS to the AU ledger and re-render its board."""
    from ..bench.au_board import AUBoardError, collect_au

    try:
        done = collect_au(results, splits_dir, board)
    except AUBoardError as exc:
        raise click.ClickException(str(exc)) from None
    skipped = f", {done.unavailable} run(s) on a release without AUs skipped" if done.unavailable else ""
    click.echo(f"{len(done.stored)} new AU record(s), {done.already} already on the board{skipped}; "
               f"{board}/LEADERBOARD.md")
