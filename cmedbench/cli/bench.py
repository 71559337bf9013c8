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
                            type=click.Path(file_okay=False, path_type=Path),
                            help="Leaderboard folder (records, kept predictions, HEAD, LEADERBOARD.md).")


def _evaluator(task: str, protocol: str, splits_dir: Path, n_boot: int = 1000):
    from ..bench.evaluator import Evaluator
    from ..bench.splits import SplitsError
    from ..bench.tasks import UnknownTask

    try:
        return Evaluator(task, protocol, splits_dir, n_boot=n_boot)
    except (SplitsError, UnknownTask) as exc:
        raise click.UsageError(str(exc.args[0] if exc.args else exc)) from None


def _rejected(exc, predictions) -> None:
    from ..bench.tables import print_problems

    print_problems(exc.problems, name=str(predictions))
    sys.exit(EXIT_INVALID)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _refused(message: str) -> None:
    from ..console import err_console
    from ..escaping import escape

    err_console().print(f"[bold red]Error:[/] {escape(message, 'terminal')}", soft_wrap=True)
    sys.exit(EXIT_INVALID)


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

    from ..bench.evaluator import score_file
    from ..bench.splits import SplitsError
    from ..bench.submission import SubmissionError
    from ..bench.tasks import UnknownTask

    try:
        result = score_file(predictions, task, protocol, splits_dir, max(bootstrap, 1), out)
    except (SplitsError, UnknownTask) as exc:
        raise click.UsageError(str(exc.args[0] if exc.args else exc)) from None
    except SubmissionError as exc:
        _rejected(exc, predictions)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        from ..bench.tables import print_result

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
@click.option("--seeds", default="", help="Comma-separated seeds of this run; submissions of one model with "
                                          "different seeds show as mean ± sd.")
@click.option("--code-url", default=None, help="Where the code that produced the predictions lives.")
@SPLITS_OPTION
@BOARD_OPTION
def submit(predictions: Path, task: str, protocol: str, model: str, description: str, selection: str, seeds: str,
           code_url: str | None, splits_dir: Path, board_dir: Path) -> None:
    """Validate, score and append PREDICTIONS to the leaderboard's ledger as one immutable record.

    A rejected file stores nothing. The same predictions for the same model (however the file is
    formatted) are refused.
    """
    from ..bench.leaderboard import AlreadySubmitted, Leaderboard, LeaderboardError, LedgerDamaged, SubmissionInfo
    from ..bench.submission import SubmissionError
    from ..bench.tables import print_result

    try:
        seed_list = tuple(int(s) for s in seeds.split(",") if s.strip())
    except ValueError:
        raise click.UsageError(f"--seeds must be comma-separated integers, got {seeds!r}") from None
    evaluator = _evaluator(task, protocol, splits_dir)
    info = SubmissionInfo(model, description, selection, seed_list, code_url)
    try:
        receipt = Leaderboard(board_dir).submit(evaluator, predictions, info)
    except SubmissionError as exc:
        _rejected(exc, predictions)
    except AlreadySubmitted as exc:
        _refused(f"{exc}" + ("; its prediction file, not kept before, is kept now" if exc.restored else ""))
    except LedgerDamaged as exc:
        _refused(f"{exc}; see `cmedbench leaderboard --check --leaderboard {board_dir}`")
    except LeaderboardError as exc:
        _refused(str(exc))
    print_result(receipt.result, f"{model}: {task} / {protocol}")
    click.echo(f"stored {receipt.path} (record {receipt.record['id']}, position {receipt.record['seq']}); "
               f"board: {board_dir / 'LEADERBOARD.md'}")


@main.command()
@click.option("--task", "task_filter", multiple=True, help="Only these tasks (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "md", "json", "csv", "html"]), default="table",
              show_default=True, help="table: for the terminal; md: LEADERBOARD.md's Markdown; json or csv: "
                                      "one entry per board row; html: a static site written to --out.")
@click.option("--out", "site_out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --format html: the folder to write the site into (index.html and its pages).")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default="results",
              show_default=True, help="With --format html: baseline result folders whose run.json (preset, "
                                      "resolved params, device) is shown on the page of the record they produced.")
@click.option("--force", is_flag=True, help="With --format html: replace --out if it holds something.")
@click.option("--check", is_flag=True, help="Verify the ledger: every record's hash chain link, HEAD, the kept "
                                            "predictions, and re-score every record against its answer key; "
                                            "then rebuild LEADERBOARD.md from the records alone.")
@click.option("--splits", "splits_dirs", multiple=True, default=("data/splits",), show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Benchmark folder(s) whose answer keys --check re-scores with (repeatable, one per dataset).")
@click.option("--published-head", default=None,
              help="With --check: a head hash published earlier (12 to 64 hex digits); fails unless the ledger "
                   "still holds it, i.e. nothing before it was rewritten.")
@BOARD_OPTION
def leaderboard(task_filter: tuple[str, ...], fmt: str, site_out: Path | None, results_dir: Path, force: bool,
                check: bool, splits_dirs: tuple[Path, ...], published_head: str | None, board_dir: Path) -> None:
    """Print the leaderboard (a terminal table, Markdown, JSON or CSV) or write it as a static site
    (--format html --out DIR); --check verifies the ledger.

    Exit status 1 when the ledger has a damaged record or --check finds a problem (the board is still
    printed, from the sound records).
    """
    from ..bench.board import board_csv, board_json, render_markdown
    from ..bench.leaderboard import Leaderboard
    from ..bench.tables import print_board, print_ledger_problems

    if fmt == "html" and site_out is None:
        raise click.UsageError("--format html needs --out DIR (the folder to write the site into)")
    board = Leaderboard(board_dir)
    if check or published_head:
        report = board.check(splits_dirs, published_head)
        state, problems = report.state, report.problems
        errors = report.errors
        print_ledger_problems(problems, f"leaderboard --check: {_count(len(errors), 'problem')}, "
                                        f"{_count(len(problems) - len(errors), 'warning')}")
        click.echo(f"{_count(report.length, 'record')} checked, {_count(len(errors), 'problem')}, "
                   f"{_count(len(problems) - len(errors), 'warning')}; re-scored {report.rescored} of "
                   f"{len(state.records)}; head {report.head or '-'}; rebuilt {board_dir / 'LEADERBOARD.md'}", err=True)
    else:
        state = board.state()
        errors = [p for p in state.problems if p.severity == "error"]
        print_ledger_problems(state.problems, f"damaged ledger: {len(state.problems)} problem(s); those records "
                                              "are left out of the board")
    records = [s.record for s in state.records if not task_filter or s.record["task"] in task_filter]
    if fmt == "table":
        print_board(records, state.length, state.head)
    elif fmt == "md":
        click.echo(render_markdown(records, state.length, state.head, state.problems), nl=False)
    elif fmt == "json":
        import json

        click.echo(json.dumps(board_json(records), indent=2))
    elif fmt == "html":
        from ..bench.site import SiteExists, write_site

        try:
            site = write_site(site_out, records, state.length, state.head, state.problems, board_dir / "predictions",
                              results_dir, force=force)
        except SiteExists as exc:
            raise click.UsageError(f"{exc} (pass --force to replace it)") from None
        click.echo(f"wrote {site.out / 'index.html'}: {site.pages} pages ({_count(site.boards, 'board')}, "
                   f"{_count(site.records, 'record')})")
    else:
        click.echo(board_csv(records), nl=False)
    if errors:
        sys.exit(EXIT_INVALID)


@main.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path), default="results")
@SPLITS_OPTION
@BOARD_OPTION
def collect(results: Path, splits_dir: Path, board_dir: Path) -> None:
    """Submit every RESULTS/*/*/predictions.csv with its submission.json (baselines' outputs) to the
    leaderboard; predictions already on the board are counted, not stored again. Then re-render the board."""
    from ..bench.leaderboard import Leaderboard, LeaderboardError, LedgerDamaged

    try:
        out = Leaderboard(board_dir).collect(results, splits_dir)
    except LedgerDamaged as exc:
        raise click.ClickException(f"{exc}; see `cmedbench leaderboard --check --leaderboard {board_dir}`") from None
    except LeaderboardError as exc:
        raise click.ClickException(str(exc)) from None
    kept = f"; kept the prediction files of {out.restored} older records" if out.restored else ""
    click.echo(f"{len(out.stored)} new records, {out.already} already on the board{kept}; "
               f"{board_dir / 'LEADERBOARD.md'}")


@main.command()
@click.argument("record_a")
@click.argument("record_b")
@click.option("--permutations", type=click.IntRange(100), default=10000, show_default=True,
              help="Random subject swaps for the p-value.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the permutations.")
@BOARD_OPTION
def compare(record_a: str, record_b: str, permutations: int, seed: int, board_dir: Path) -> None:
    """Difference in pooled UF1 and UAR between two records (ids or id prefixes) of the same dataset,
    task and fold map, with a paired permutation p-value over subjects."""
    from rich.table import Table

    from ..bench.compare import CompareError, compare_records
    from ..bench.leaderboard import Leaderboard, LeaderboardError
    from ..console import out_console
    from ..escaping import escape

    board = Leaderboard(board_dir)
    try:
        a, b = board.find(record_a), board.find(record_b)
        out = compare_records(a, b, permutations, seed)
    except (LeaderboardError, CompareError) as exc:
        raise click.UsageError(str(exc)) from None
    title = f"{a['model']} ({a['id'][:8]}) vs {b['model']} ({b['id'][:8]}): {a['task']} / {a['protocol']}"
    t = Table(title=escape(title, "terminal"))
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
@click.option("--kind", type=click.Choice(["majority", "stratified"]), required=True, help="Which floor.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the stratified draws.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the prediction file.")
@click.option("--submit", "do_submit", is_flag=True,
              help="Also submit it (through the same parser and scorer as any file) as a floor row.")
@SPLITS_OPTION
@BOARD_OPTION
def floor(task: str, protocol: str, kind: str, seed: int, out: Path, do_submit: bool, splits_dir: Path,
          board_dir: Path) -> None:
    """Trivial reference predictions (fitted on each fold's training subjects only; the same code as the
    `majority` and `stratified` baselines), to read a score against."""
    from ..bench.floors import FLOOR_DESCRIPTIONS, write_floor
    from ..bench.leaderboard import Leaderboard, LeaderboardError, SubmissionInfo
    from ..bench.submission import SubmissionError

    ev = _evaluator(task, protocol, splits_dir)
    click.echo(f"wrote {write_floor(ev.bench, kind, seed, out)}")
    if do_submit:
        model = f"floor: {kind}" + (f" (seed {seed})" if kind == "stratified" else "")
        try:
            receipt = Leaderboard(board_dir).submit(
                ev, out, SubmissionInfo(model, FLOOR_DESCRIPTIONS[kind], seeds=(seed,), kind="floor"))
        except SubmissionError as exc:
            _rejected(exc, out)
        except LeaderboardError as exc:
            click.echo(f"not stored: {exc}", err=True)
            return
        click.echo(f"stored {receipt.path}")
