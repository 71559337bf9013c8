"""The ``cmedbench`` command: thin click wrappers over the library; heavy imports happen inside commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_INVALID = 1
EXIT_USAGE = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="cmedbench")
def main() -> None:
    """Dataset management and benchmark suite for CMED-style micro-expression releases."""


@main.command()
@click.argument("release", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--profile", default="none", show_default=True,
              help="Expected counts to check: 'cmed-v1' (the paper's Tables II-V), 'none' (schema and files "
                   "only) or a path to a profile YAML (e.g. one written by `cmedbench synth release`).")
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
@click.option("--quiet", is_flag=True, help="No progress bar, no tables: only the verdict line.")
def validate(release: Path, profile: str, report_path: Path | None, deep: bool, metadata_only: bool,
             workers: int | None, show: int, quiet: bool) -> None:
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
    """
    from .atomic import write_text
    from .release.profiles import ProfileError, load_profile
    from .release.render import render_report
    from .release.schema import schema_yaml
    from .release.validate import validate_release

    try:
        prof = load_profile(profile)
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    result = validate_release(release, prof, deep=deep, metadata_only=metadata_only, workers=workers,
                              progress=not quiet)
    if report_path is not None:
        import json

        write_text(report_path, json.dumps(result.report.to_dict(), indent=2, default=str) + "\n")
        write_text(report_path.with_name(report_path.stem + ".schema.yaml"), schema_yaml())
    render_report(result.report, show=0 if quiet else show, quiet=quiet)
    sys.exit(0 if result.report.valid else EXIT_INVALID)


@main.group()
def synth() -> None:
    """The embedded default: synthetic CMED-shaped releases."""


@synth.command("release")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--subjects", type=click.IntRange(1), default=None,
              help="Number of subjects, taken from Table V in order (default: all 74).")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Fraction of Table V's per-subject counts to keep (1.0 reproduces Table V exactly).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--metadata-only", is_flag=True,
              help="Write the metadata CSV and profile without videos. Required for now: rendering videos "
                   "is not built yet.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def synth_release(out: Path, subjects: int | None, scale: float, seed: int, metadata_only: bool,
                  force: bool) -> None:
    """Write a synthetic CMED-shaped release to OUT, with the profile it must satisfy (OUT/profile.yaml)."""
    from .synth.distribution import DistributionError, write_metadata_release

    if not metadata_only:
        raise click.UsageError("rendering synthetic videos is not built yet; pass --metadata-only for a "
                               "metadata-only release")
    try:
        path = write_metadata_release(out, subjects=subjects, scale=scale, seed=seed, force=force)
    except DistributionError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {path} (metadata only; profile: {path / 'profile.yaml'})")


if __name__ == "__main__":  # pragma: no cover
    main()
