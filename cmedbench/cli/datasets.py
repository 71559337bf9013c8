"""Other datasets: import one from its own distribution, join imported ones (MEGC 2019, cross-dataset),
score a composite's predictions per dataset. Thin wrappers over cmedbench.datasets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..datasets import ADAPTERS
from . import EXIT_INVALID, main, output_exists

FORCE_OPTION = click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")


def _verdict(report, show: int, quiet: bool, samples: Path | None, out: Path, command: str) -> None:
    from ..release.verdict import render_report

    render_report(report, show=0 if quiet else show, quiet=quiet, command=command)
    if samples is not None:
        click.echo(f"sample table: {samples}  (features: --samples {samples} --release {out})")
    else:
        click.echo(f"no sample table written: every problem is listed in {out / 'validation.json'}", err=True)
    sys.exit(0 if report.valid else EXIT_INVALID)


@main.command("import")
@click.argument("dataset", type=click.Choice(sorted(ADAPTERS)))
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Release folder to write: frame lists referencing SOURCE in place, samples.csv, "
                   "validation.json, dataset.json.")
@click.option("--profile", type=click.Choice(["published", "none"]), default="published", show_default=True,
              help="'published': check the dataset's published sample, subject and class counts; 'none': skip "
                   "them (a subset of the dataset).")
@FORCE_OPTION
@click.option("--deep", is_flag=True, help="Decode every frame of every clip (slow). Default: check every "
                                           "frame exists and decode the first.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Parallel clip probes (default: 2 x CPU cores, at most 8).")
@click.option("--show", type=click.IntRange(0), default=20, show_default=True,
              help="How many problems to print (validation.json always has all of them).")
@click.option("--columns", "column_map", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="dfme only: a YAML column map (label_files, columns, frames) laid over the packaged default, "
                   "for label tables whose column names or frame folders differ from it.")
@click.option("--quiet", is_flag=True, help="No progress bar, no tables: only the verdict line.")
def import_cmd(dataset: str, source: Path, out: Path, profile: str, force: bool, deep: bool, workers: int | None, show: int,
               column_map: Path | None, quiet: bool) -> None:
    """Import DATASET from its own distribution in SOURCE into the release OUT and validate it: label
    map, errata (each with its source), AU strings, frame folders, key frames, the published counts.
    Exit status 1 when anything is wrong (the report names each problem's file and line)."""
    from ..atomic import OutputExists
    from ..datasets.columnmap import ColumnMapError
    from ..datasets.importer import DatasetSourceError, import_dataset

    try:
        result = import_dataset(dataset, source, out, profile=profile, force=force, deep=deep, workers=workers,
                                progress=not quiet, column_map=column_map)
    except OutputExists:
        raise output_exists(out) from None
    except DatasetSourceError as exc:
        raise click.UsageError(str(exc)) from None
    except ColumnMapError as exc:
        raise click.BadParameter(str(exc), param_hint="--columns") from None
    _verdict(result.report, show, quiet, result.samples, out, "import")


@main.command("combine")
@click.argument("releases", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Release folder to write (samples.csv over members/<dataset> links, validation.json).")
@click.option("--rules", type=click.Choice(["megc2019"]), default=None,
              help="Keep what a composite's rules keep and check its published counts (megc2019: SMIC-HS + "
                   "CASME II + SAMM, negative/positive/surprise). Default: every row of every release.")
@click.option("--profile", type=click.Choice(["published", "none"]), default="published", show_default=True,
              help="With --rules: 'published' checks the composite's published counts, 'none' skips them.")
@FORCE_OPTION
@click.option("--show", type=click.IntRange(0), default=20, show_default=True, help="How many problems to print.")
@click.option("--quiet", is_flag=True, help="No tables: only the verdict line.")
def combine(releases: tuple[Path, ...], out: Path, rules: str | None, profile: str, force: bool, show: int, quiet: bool) -> None:
    """Join releases written by `cmedbench import` into one (cross-dataset protocols, MEGC 2019)."""
    from ..atomic import OutputExists
    from ..datasets.composite import CombineError, combine_releases
    from ..release.sample_table import SampleTableError

    try:
        result = combine_releases(list(releases), out, rules, force=force, counts=profile == "published")
    except OutputExists:
        raise output_exists(out) from None
    except (CombineError, SampleTableError) as exc:
        raise click.UsageError(str(exc)) from None
    _verdict(result.report, show, quiet, result.samples, out, "combine")


@main.command("score-datasets")
@click.argument("predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--splits", "splits_dir", default="data/splits", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Benchmark folder of the joined release (`cmedbench splits`).")
@click.option("--task", default="emotion-3", show_default=True, help="Task of the predictions.")
@click.option("--protocol", default="loso", show_default=True, help="loso, kfold-10 or lodo.")
def score_datasets(predictions: Path, splits_dir: Path, task: str, protocol: str) -> None:
    """UF1/UAR of a joined release's predictions: the composite and each dataset on its own (MEGC 2019)."""
    from ..bench.splits import SplitsError
    from ..bench.submission import SubmissionError
    from ..bench.tasks import UnknownTask
    from ..datasets.composite import score_by_dataset

    try:
        result = score_by_dataset(predictions, splits_dir, task, protocol)
    except SubmissionError as exc:
        lines = "\n".join(f"  {p.location()}: {p.message}" for p in exc.problems[:20])
        raise click.ClickException(f"{exc}\n{lines}") from None
    except (SplitsError, UnknownTask) as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(json.dumps(result, indent=2))
