"""Release commands: validate a release, draw its contact sheet, write its sample table."""

from __future__ import annotations

import sys
from pathlib import Path

import click

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
    from ..atomic import write_text
    from ..release.profiles import ProfileError, load_profile
    from ..release.verdict import render_report
    from ..release.schema import schema_yaml
    from ..release.validate import validate_release

    if profile == "auto":
        profile = str(release / "profile.yaml") if (release / "profile.yaml").is_file() else "cmed-v1"
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




@main.command("contact-sheet")
@click.argument("release", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PNG to write.")
@click.option("--per-class", type=click.IntRange(1, 20), default=4, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Which clips are picked.")
def contact_sheet_cmd(release: Path, out: Path, per_class: int, seed: int) -> None:
    """A PNG of apex frames (No-ME: the middle frame) of a few clips of every class of RELEASE."""
    import cv2

    from ..atomic import write_bytes
    from ..release.contact_sheet import contact_sheet
    from ..release.profiles import load_profile
    from ..release.validate import validate_release

    result = validate_release(release, load_profile("none"))
    if not result.report.valid:
        raise click.ClickException(f"{release} is not a valid release; run `cmedbench validate {release}`")
    image = contact_sheet(release, result.table, per_class, seed)
    ok, buf = cv2.imencode(".png", image)
    write_bytes(out, buf.tobytes())
    click.echo(f"wrote {out} ({image.shape[1]}x{image.shape[0]})")


@main.command()
@click.argument("release", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", default="data/index/samples.csv", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path))
def index(release: Path, out: Path) -> None:
    """Write the canonical sample table of RELEASE (one row per clip: sample_id, subject, emotion, path,
    n_frames, fps, width, height, apex_frame, sha256, extra CSV columns). Refuses an invalid release."""
    import io

    from ..atomic import write_text
    from ..release.profiles import load_profile
    from ..release.validate import validate_release

    result = validate_release(release, load_profile("none"), progress=True)
    if not result.report.valid:
        raise click.ClickException(f"{release} is not a valid release; run `cmedbench validate {release}`")
    buf = io.StringIO()
    result.table.reset_index().to_csv(buf, index=False, lineterminator="\n")
    write_text(out, buf.getvalue())
    click.echo(f"wrote {out}: {len(result.table)} clips of {result.fingerprint}")
