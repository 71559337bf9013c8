"""The benchmark: fold maps, scoring, submissions, the leaderboard, comparisons, floors."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import EXIT_INVALID, EXIT_USAGE, main  # noqa: F401
from .release import sample_table_failure, samples_option


SPLITS_OPTION = click.option("--splits", "splits_dir", default="data/splits", show_default=True,
                             type=click.Path(file_okay=False, path_type=Path),
                             help="Benchmark folder written by `cmedbench splits`.")
TASK_OPTION = click.option("--task", required=True, help="me-spotting, emotion-6 or emotion-3.")
PROTOCOL_OPTION = click.option("--protocol", default="loso", show_default=True, help="loso or kfold-10.")
BOARD_OPTION = click.option("--leaderboard", "board_dir", default="leaderboard", show_default=True,
                            type=click.Path(file_okay=False, path_type=Path))


def _evaluator(task: str, protocol: str, splits_dir: Path, n_boot: int = 1000):
    from ..bench.evaluator import Evaluator
    from ..bench.splits import SplitsError
    from ..bench.tasks import UnknownTask

    try:
        return Evaluator(task, protocol, splits_dir, n_boot=n_boot)
    except (SplitsError, UnknownTask) as exc:
        raise click.UsageError(str(exc.args[0] if exc.args else exc)) from None
    except OSError as exc:
        raise click.UsageError(f"cannot read the benchmark folder {splits_dir}: {exc}") from None


def _score_or_exit(evaluator, predictions: Path):
    from ..bench.render import print_problems
    from ..bench.submission import SubmissionError

    try:
        sub = evaluator.parse(predictions)
    except SubmissionError as exc:
        print_problems(exc.problems)
        sys.exit(EXIT_INVALID)
    return sub, evaluator.score(sub)


@main.command()
@samples_option("Sample table to build the benchmark from (written by `cmedbench validate --samples`).")
@click.option("--out", default="data/splits", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Benchmark folder to write.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the kfold-10 subject shuffle.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def splits(samples: Path, out: Path, seed: int, force: bool) -> None:
    """Write the benchmark folder of a validated release: fold maps of every task x protocol, the unlabeled
    sample list, the answer key and a manifest with the dataset fingerprint and every file's hash.

    It reads the sample table that `cmedbench validate RELEASE --samples PATH` writes for a valid release
    (with its videos); the release itself is not opened again. The same table and seed give the same
    bytes.
    """
    from ..atomic import OutputExists
    from ..bench.splits import write_benchmark_from_samples
    from ..release.sample_table import SampleTableError

    try:
        n, fingerprint = write_benchmark_from_samples(samples, out, seed, force)
    except SampleTableError as exc:
        raise sample_table_failure(exc, samples) from None
    except OutputExists as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {out}: {n} samples, dataset {fingerprint}")


@main.command()
@click.argument("predictions", type=click.Path(dir_okay=False, path_type=Path))
@TASK_OPTION
@PROTOCOL_OPTION
@SPLITS_OPTION
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON result here.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON result to stdout instead of tables.")
@click.option("--bootstrap", type=click.IntRange(0), default=1000, show_default=True,
              help="Subject-bootstrap resamples for the 95% CIs.")
def score(predictions: Path, task: str, protocol: str, splits_dir: Path, out: Path | None, as_json: bool,
          bootstrap: int) -> None:
    """Dry run: validate PREDICTIONS and score it; stores nothing on the leaderboard.

    Exit status 0 when the file is valid, 1 when it is rejected (every problem is listed), 2 on usage errors.
    """
    import json

    evaluator = _evaluator(task, protocol, splits_dir, max(bootstrap, 1))
    _, result = _score_or_exit(evaluator, predictions)
    text = json.dumps(result, indent=2)
    if out is not None:
        from ..atomic import write_text

        write_text(out, text + "\n")
    if as_json:
        click.echo(text)
    else:
        from ..bench.render import print_result

        print_result(result, f"{predictions.name}: {task} / {protocol}")


@main.command()
@click.argument("predictions", type=click.Path(dir_okay=False, path_type=Path))
@TASK_OPTION
@PROTOCOL_OPTION
@click.option("--model", required=True, help="Model name shown on the board (no newlines, at most 80 chars).")
@click.option("--description", default="", help="One paragraph: what the model is, how it was trained.")
@click.option("--selection", type=click.Choice(["fixed-epochs", "inner-validation", "test-fold", "undeclared"]),
              default="undeclared", show_default=True,
              help="How epochs/hyper-parameters were chosen. test-fold (choosing on the test fold) is a leak "
                   "and is flagged on the board.")
@click.option("--seeds", default="", help="Comma-separated seeds of this run; several submissions of one model "
                                          "with different seeds show as mean ± sd.")
@click.option("--code-url", default=None, help="Where the code that produced the predictions lives.")
@SPLITS_OPTION
@BOARD_OPTION
def submit(predictions: Path, task: str, protocol: str, model: str, description: str, selection: str, seeds: str,
           code_url: str | None, splits_dir: Path, board_dir: Path) -> None:
    """Validate, score and add PREDICTIONS to the leaderboard as one immutable record.

    A rejected file stores nothing. Re-submitting an identical file is refused.
    """
    from ..bench.leaderboard import Leaderboard, LeaderboardError, make_record
    from ..bench.render import print_result

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise click.UsageError(f"--seeds must be comma-separated integers, got {seeds!r}") from None
    evaluator = _evaluator(task, protocol, splits_dir)
    _, result = _score_or_exit(evaluator, predictions)
    try:
        record = make_record(result, model, description, selection, seed_list, code_url)
        path = Leaderboard(board_dir).add(record)
    except LeaderboardError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    print_result(result, f"{model}: {task} / {protocol}")
    click.echo(f"stored {path}; board: {board_dir / 'LEADERBOARD.md'}")


@main.command()
@click.option("--task", "task_filter", multiple=True, help="Only these tasks (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True)
@click.option("--check", is_flag=True, help="Verify every record (fields, content hash = id) and rebuild "
                                            "LEADERBOARD.md from the records alone.")
@BOARD_OPTION
def leaderboard(task_filter: tuple[str, ...], fmt: str, check: bool, board_dir: Path) -> None:
    """Print the leaderboard (Markdown, JSON or CSV)."""
    import json

    from ..bench.leaderboard import Leaderboard, board_json, csv_safe, render_markdown

    board = Leaderboard(board_dir)
    if check:
        problems = board.check()
        for p in problems:
            click.echo(f"invalid record: {p}", err=True)
        click.echo(f"{len(board.records())} records checked, {len(problems)} problems; "
                   f"rebuilt {board_dir / 'LEADERBOARD.md'}", err=True)
        if problems:
            sys.exit(EXIT_INVALID)
    records = [r for r in board.records() if not task_filter or r["task"] in task_filter]
    if fmt == "md":
        click.echo(render_markdown(records), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(board_json(records), indent=2))
    else:
        import csv

        rows = board_json(records)
        cols = ["dataset_fingerprint", "task", "protocol", "rank", "model", "kind", "selection", "uf1", "uf1_sd",
                "uar", "uar_sd", "accuracy", "mof_uf1", "mof_uar", "worst", "n_replicates", "description"]
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        for row in rows:
            w.writerow([csv_safe(row[c]) if isinstance(row[c], str) else row[c] for c in cols])


@main.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path), default="results")
@SPLITS_OPTION
@BOARD_OPTION
def collect(results: Path, splits_dir: Path, board_dir: Path) -> None:
    """Submit every RESULTS/*/*/predictions.csv with its submission.json (baselines' outputs) to the
    leaderboard; files already on the board are skipped. Then re-render the board."""
    import json

    from ..bench.leaderboard import Leaderboard, LeaderboardError, make_record
    from ..bench.submission import SubmissionError

    board = Leaderboard(board_dir)
    stored = skipped = 0
    for meta_path in sorted(results.glob("*/*/submission.json")):
        meta = json.loads(meta_path.read_text())
        ev = _evaluator(meta["task"], meta["protocol"], splits_dir)
        try:
            result = ev.eval(meta_path.parent / "predictions.csv")
            board.add(make_record(result, meta["model"], meta["description"], meta["selection"], meta["seeds"],
                                  kind=meta.get("kind", "measured")))
            stored += 1
        except LeaderboardError as exc:
            if "already submitted" not in str(exc):
                raise click.ClickException(f"{meta_path}: {exc}") from None
            skipped += 1
        except SubmissionError as exc:
            raise click.ClickException(f"{meta_path.parent / 'predictions.csv'}: {exc.problems[0].message}") from None
    board.render()
    click.echo(f"{stored} new records, {skipped} already on the board; {board_dir / 'LEADERBOARD.md'}")


@main.command()
@click.argument("record_a")
@click.argument("record_b")
@click.option("--permutations", type=click.IntRange(100), default=10000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@BOARD_OPTION
def compare(record_a: str, record_b: str, permutations: int, seed: int, board_dir: Path) -> None:
    """Difference in pooled UF1 and UAR between two records (ids or id prefixes) of the same dataset,
    task and fold map, with a paired permutation p-value over subjects."""
    from rich.table import Table

    from ..bench.compare import CompareError, compare_records
    from ..bench.leaderboard import Leaderboard, LeaderboardError
    from ..console import out_console

    board = Leaderboard(board_dir)
    try:
        a, b = board.find(record_a), board.find(record_b)
        out = compare_records(a, b, permutations, seed)
    except (LeaderboardError, CompareError) as exc:
        raise click.UsageError(str(exc)) from None
    t = Table(title=f"{a['model']} ({a['id'][:8]}) vs {b['model']} ({b['id'][:8]}): {a['task']} / {a['protocol']}")
    for col in ("metric", "A", "B", "A - B", "p (two-sided)"):
        t.add_column(col, justify="right")
    for m in ("uf1", "uar"):
        t.add_row(m.upper() + " pooled", f"{a['result']['pooled'][m]:.4f}", f"{b['result']['pooled'][m]:.4f}",
                  f"{out[m]['difference']:+.4f}", f"{out[m]['p_value']:.4f}")
    out_console().print(t)
    out_console().print(out["method"])


@main.command()
@TASK_OPTION
@PROTOCOL_OPTION
@click.option("--kind", type=click.Choice(["majority", "stratified"]), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the prediction file.")
@click.option("--submit", "do_submit", is_flag=True, help="Also add it to the leaderboard as a floor row.")
@SPLITS_OPTION
@BOARD_OPTION
def floor(task: str, protocol: str, kind: str, seed: int, out: Path, do_submit: bool, splits_dir: Path,
          board_dir: Path) -> None:
    """Trivial reference predictions (fitted on each fold's training subjects only)."""
    from ..atomic import write_text
    from ..bench.floors import floor_predictions, predictions_csv
    from ..bench.leaderboard import Leaderboard, LeaderboardError, make_record

    ev = _evaluator(task, protocol, splits_dir)
    b = ev.bench
    pred = floor_predictions(b.y_true, b.folds, len(b.task.labels), kind, seed)
    write_text(out, predictions_csv(b.sample_ids, b.folds, pred, b.task.labels).decode())
    click.echo(f"wrote {out}")
    if do_submit:
        _, result = _score_or_exit(ev, out)
        model = f"floor: {kind}" + (f" (seed {seed})" if kind == "stratified" else "")
        desc = ("always the training folds' majority class" if kind == "majority"
                else "random draws from the training folds' class distribution")
        try:
            path = Leaderboard(board_dir).add(make_record(result, model, desc, seeds=[seed], kind="floor"))
        except LeaderboardError as exc:
            click.echo(f"not stored: {exc}", err=True)
            return
