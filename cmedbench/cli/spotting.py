"""``cmedbench spotting ...``: the long-video release, its benchmark folder, the interval baselines,
scoring an interval prediction file and collecting results onto the leaderboard."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import EXIT_INVALID, main, output_exists

_DIR = click.Path(file_okay=False, path_type=Path)


def _fail(message: str, code: int = EXIT_INVALID) -> None:
    from ..console import err_console
    from ..escaping import escape

    err_console().print(f"[red]error:[/red] {escape(message, 'terminal')}", soft_wrap=True)
    sys.exit(code)


@main.group()
def spotting() -> None:
    """Long-video spotting and Spot-then-Recognize (MEGC intervals in untrimmed video)."""


@spotting.command("release")
@click.argument("raw", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", default="data/spotting/release", show_default=True, type=_DIR,
              help="Folder for the long-video release (videos/, videos.csv, events.csv, manifest.json).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def release_cmd(raw: Path, out: Path, force: bool) -> None:
    """Cut one untrimmed video per child and visible span from the gallery recordings of RAW
    (`cmedbench synth raw`), with the labellers' accepted events in one table."""
    from ..atomic import OutputExists
    from ..spotting.longvideo import LongVideoError
    from ..spotting.synthetic import build_synthetic_long_release

    try:
        m = build_synthetic_long_release(raw, out, force)
    except OutputExists:
        raise output_exists(out) from None
    except LongVideoError as exc:
        _fail(str(exc))
    click.echo(f"wrote {out}: {m['n_videos']} videos of {m['n_participants']} participants, {m['n_events']} events "
               f"({m['events_left_out_crossing_a_cut']} left out for crossing a video's ends)")


@spotting.command("import")
@click.argument("dataset", type=click.Choice(["casme2-long", "samm-long"]))
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=_DIR,
              help="Folder for the long-video release (source link, videos/*.frames, videos.csv, events.csv, "
                   "manifest.json).")
@click.option("--annotations", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The annotation workbook (default: the one .xlsx under SOURCE whose name fits the dataset).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def import_cmd(dataset: str, source: Path, out: Path, annotations: Path | None, force: bool) -> None:
    """Build a long-video release from CAS(ME)^2's rawpic/ or SAMM Long Videos' SAMM_longvideos/ frame
    folders and their annotation workbook, frames referenced in place (nothing copied)."""
    from ..atomic import OutputExists
    from ..spotting.annotations import AnnotationError
    from ..spotting.dataset_release import DatasetLayoutError, build_dataset_long_release

    try:
        m = build_dataset_long_release(dataset, source, out, annotations, force)
    except OutputExists:
        raise output_exists(out) from None
    except (DatasetLayoutError, AnnotationError) as exc:
        from ..console import err_console
        from ..escaping import escape

        for p in exc.problems[:20]:
            err_console().print(escape(f"{p.location()}: {p.message}", "terminal"), soft_wrap=True)
        _fail(f"{source}: no release written ({len(exc.problems)} problem(s)"
              + (", first 20 shown)" if len(exc.problems) > 20 else ")"))
    click.echo(f"wrote {out}: {m['n_videos']} videos of {m['n_participants']} participants, {m['n_events']} events")


@spotting.command("splits")
@click.argument("release", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", default="data/spotting/bench", show_default=True, type=_DIR,
              help="Folder for the interval benchmark (videos, fold maps, answer key, manifest).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the kfold-10 participant shuffle.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def splits_cmd(release: Path, out: Path, seed: int, force: bool) -> None:
    """Write the interval benchmark folder of a long-video RELEASE (fold maps hashed in its manifest)."""
    from ..atomic import OutputExists
    from ..spotting.benchmark import SpottingBenchError, write_spotting_bench

    try:
        m = write_spotting_bench(release, out, seed, force)
    except OutputExists:
        raise output_exists(out) from None
    except SpottingBenchError as exc:
        _fail(str(exc))
    click.echo(f"wrote {out}: {m['n_videos']} videos, {m['n_events']} events, tasks {', '.join(m['tasks'])}")


@spotting.command("baselines")
@click.option("--release", "release_dir", default="data/spotting/release", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path), help="The long-video release.")
@click.option("--bench", "bench_dir", default="data/spotting/bench", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path), help="Its interval benchmark folder.")
@click.option("--out", default="results/spotting", show_default=True, type=_DIR,
              help="Folder for <model>/<task>/ results and timelines/.")
@click.option("--window", type=click.IntRange(1, 100), default=5, show_default=True,
              help="The first flow spotter's k: frames between compared frames, and its shortest interval (the ROI "
                   "spotter chooses its own k on the training participants).")
@click.option("--iou", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.5, show_default=True,
              help="IoU at which a spotted interval matches a true one (MEGC: 0.5).")
@click.option("--plots", type=click.IntRange(0, 1000), default=3, show_default=True,
              help="Timeline plots for this many videos.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random-intervals floor.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def baselines_cmd(release_dir: Path, bench_dir: Path, out: Path, window: int, iou: float, plots: int, seed: int,
                  force: bool) -> None:
    """Run the flow spotter and the floors, LOSO over participants, on both interval tasks."""
    from ..atomic import OutputExists
    from ..spotting.baselines import run_spotting_baselines
    from ..spotting.benchmark import SpottingBenchError
    from ..spotting.signal import SignalError

    try:
        summary = run_spotting_baselines(release_dir, bench_dir, out, "loso", window, seed, iou, plots, force)
    except OutputExists:
        raise output_exists(out) from None
    except (SpottingBenchError, SignalError) as exc:
        _fail(str(exc))
    for model, by_task in summary.items():
        for task, r in by_task.items():
            strs = f", STRS {r['strs']:.4f}" if "strs" in r else ""
            click.echo(f"{model:18s} {task:20s} F1 {r['pooled']['f1']:.4f} (P {r['pooled']['precision']:.4f}, "
                       f"R {r['pooled']['recall']:.4f}){strs}")


@spotting.command("score")
@click.argument("predictions", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--task", required=True, type=click.Choice(["me-spotting-long", "spot-then-recognize"]),
              help="The interval task the file answers.")
@click.option("--bench", "bench_dir", default="data/spotting/bench", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path), help="The interval benchmark folder.")
@click.option("--protocol", default="loso", show_default=True, help="Protocol whose fold map scores the file.")
@click.option("--iou", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.5, show_default=True,
              help="IoU at which a spotted interval matches a true one (MEGC: 0.5).")
def score_cmd(predictions: Path, task: str, bench_dir: Path, protocol: str, iou: float) -> None:
    """Validate and score an interval prediction file (video_id,onset,offset[,label][,score]); nothing is stored."""
    import json

    from ..bench.submission import SubmissionError
    from ..spotting.benchmark import SpottingBenchError
    from ..spotting.evaluator import IntervalEvaluator

    try:
        result = IntervalEvaluator(task, protocol, bench_dir, threshold=iou).eval(predictions)
    except SpottingBenchError as exc:
        _fail(str(exc))
    except SubmissionError as exc:
        from ..bench.tables import print_problems

        print_problems(exc.problems)
        sys.exit(EXIT_INVALID)
    keep = {k: result[k] for k in ("pooled", "mean_over_folds", "me", "macro", "analysis", "strs") if k in result}
    click.echo(json.dumps(keep, indent=1, sort_keys=True))


@spotting.command("collect")
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--bench", "bench_dir", default="data/spotting/bench", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path), help="The interval benchmark folder.")
@click.option("--leaderboard", "board", default="leaderboard", show_default=True, type=_DIR,
              help="The leaderboard folder (the same ledger as the clip tasks).")
@click.option("--summary", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a TSV of each result's record id here.")
def collect_cmd(results: Path, bench_dir: Path, board: Path, summary: Path | None) -> None:
    """Put every RESULTS/<model>/<task>/ interval result on the leaderboard (already-stored ones are skipped)."""
    from ..bench.leaderboard import LeaderboardError
    from ..spotting.benchmark import SpottingBenchError
    from ..spotting.collect import collect_intervals

    try:
        stored, already = collect_intervals(results, bench_dir, board, summary)
    except (LeaderboardError, SpottingBenchError) as exc:
        _fail(str(exc))
    click.echo(f"{len(stored)} new interval record(s), {already} already on the board")


@spotting.command("check")
@click.option("--leaderboard", "board", default="leaderboard", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path), help="The leaderboard folder.")
@click.option("--bench", "bench_dirs", multiple=True, default=["data/spotting/bench"], show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Interval benchmark folder(s) whose records are re-scored (repeatable).")
def check_cmd(board: Path, bench_dirs: tuple[Path, ...]) -> None:
    """Re-score every interval record of the ledger from its kept predictions; exit 1 on any disagreement."""
    from ..escaping import escape
    from ..spotting.audit import check_interval_records

    rescored, problems = check_interval_records(board, bench_dirs)
    for p in problems:
        click.echo(escape(f"{p.severity}: {p.file or ''}: {p.message}", "terminal"), err=True)
    click.echo(f"{rescored} interval record(s) re-scored")
    if any(p.severity == "error" for p in problems):
        sys.exit(EXIT_INVALID)
