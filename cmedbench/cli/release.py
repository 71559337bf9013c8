"""Release commands: validate a release (writing its report and sample table), draw its contact sheet."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..release.contact_sheet import PER_CLASS
from . import EXIT_INVALID, EXIT_USAGE, main  # noqa: F401


@main.command()
@click.argument("release", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--profile", default="none", show_default=True,
              help="Expected counts to check: 'cmed-v1' (the paper's Tables II-V), 'none' (schema and files "
                   "only), a path to a profile YAML, or 'auto': RELEASE/profile.yaml when the release carries one "
                   "(synthetic releases do), else cmed-v1.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the full JSON report here, and the schema the release was checked against next to "
                   "it (<report>.schema.yaml).")
@click.option("--deep", is_flag=True,
              help="Decode every frame of every video and use the true frame count (slow). Default: trust "
                   "the container header and decode the first frame.")
@click.option("--metadata-only", is_flag=True, help="Check the CSV and the profile counts only; open no video.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Parallel video probes (default: 2 x CPU cores, at most 8).")
@click.option("--show", type=click.IntRange(0), default=20, show_default=True,
              help="How many problems to print (the JSON report always has all of them).")
@click.option("--samples", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the canonical sample table here when the release is valid (the pipeline's is "
                   "data/index/samples.csv): what splits, contact-sheet and the feature stages read.")
@click.option("--quiet", is_flag=True, help="No progress bar, no tables: only the verdict line.")
def validate(release: Path, profile: str, report_path: Path | None, samples: Path | None, deep: bool,
             metadata_only: bool, workers: int | None, show: int, quiet: bool) -> None:
    """Validate the CMED-layout release in RELEASE and print one verdict with every problem found.

    \b
    Checks, all in one pass:
      metadata  video_emotion_metadata.csv is UTF-8 CSV with subject, filename, emotion, apex_frame
                (BOM, CRLF and ';' are accepted with a warning; extra columns are kept)
      labels    every emotion and subject spelling maps to a canonical label (alias table)
      schema    pandera: label set, apex >= 0 on every emotion row and blank on No-ME rows,
                (emotion, subject, filename) unique, filename a plain video file name
      layout    FinalFullVideos_subjects/{emotion}/{subject}/ and, if present, FinalFullVideos/{emotion}/:
                known folder names, no orphan files
      files     each row's video exists, opens, decodes, has more frames than apex_frame, and its
                flat-layout copy is identical; warnings when not 25 fps / 300x300
      profile.* class totals (Table II/III), per-subject counts (Table V), frame bounds (Table IV)

    Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error. The release is never modified.
    The dataset fingerprint printed at the end names this release in results and leaderboard records.
    With --samples, a valid release's sample table is written: one row per clip (sample_id, subject,
    filename, emotion, apex_frame, path, n_frames, fps, width, height, sha256, extra CSV columns).
    """
    from ..release.profiles import ProfileError
    from ..release.verdict import render_report
    from ..release.validate import validate_and_write

    try:
        result = validate_and_write(release, profile, report=report_path, samples=samples, deep=deep,
                                    metadata_only=metadata_only, workers=workers, progress=not quiet)
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    render_report(result.report, show=0 if quiet else show, quiet=quiet)
    if result.samples_written is not None:
        kind = " (metadata only: splits and features need a table written with the videos)" if metadata_only else ""
        click.echo(f"sample table: {result.samples_written}{kind}")
    elif samples is not None:
        click.echo(f"no sample table written to {samples}: the release is invalid", err=True)
    if not result.report.valid and report_path is not None:
        click.echo(f"every problem is listed in {report_path}", err=True)
    sys.exit(0 if result.report.valid else EXIT_INVALID)


def samples_option(help_text: str):
    """The sample table a command reads (written by `cmedbench validate --samples`)."""
    from ..release import SAMPLE_TABLE_PATH

    return click.option("--samples", default=SAMPLE_TABLE_PATH, show_default=True,
                        type=click.Path(dir_okay=False, path_type=Path), help=help_text)


def release_root_option(f):
    return click.option("--release", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
                        help="The release folder the sample table describes (its paths are relative to it).")(f)


def sample_table_failure(exc, samples: Path) -> click.ClickException:
    """A library refusal about the sample table, with the command that fixes it."""
    from ..release.sample_table import MetadataOnlyTable

    fix = ("run `cmedbench validate RELEASE --samples {0}` without --metadata-only" if isinstance(exc, MetadataOnlyTable)
           else "write it with `cmedbench validate RELEASE --samples {0}`")
    return click.ClickException(f"{exc}\nTo fix: {fix.format(samples)}.")


@main.command("contact-sheet")
@samples_option("Sample table of the release (written by `cmedbench validate --samples`).")
@release_root_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PNG to write.")
@click.option("--per-class", type=click.IntRange(1, 20), default=PER_CLASS, show_default=True,
              help="Clips shown per class (one row per class).")
@click.option("--seed", type=int, default=0, show_default=True, help="Which clips are picked.")
def contact_sheet_cmd(samples: Path, release: Path, out: Path, per_class: int, seed: int) -> None:
    """A PNG of apex frames (No-ME: the middle frame) of a few clips of every class of a validated release."""
    from ..release.contact_sheet import write_contact_sheet
    from ..release.sample_table import SampleTableError

    try:
        width, height = write_contact_sheet(samples, release, out, per_class, seed)
    except SampleTableError as exc:
        raise sample_table_failure(exc, samples) from None
    click.echo(f"wrote {out} ({width}x{height})")
