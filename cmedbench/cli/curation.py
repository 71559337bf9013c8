"""Curation: raw recordings -> segments -> reconciled labels -> a release."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import EXIT_INVALID, EXIT_USAGE, main  # noqa: F401


@main.command()
@click.argument("recordings", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--sample-every", type=click.IntRange(1), default=60, show_default=True, help="Algorithm 1, line 3.")
@click.option("--close-after", type=click.IntRange(1), default=60, show_default=True, help="Algorithm 1, line 14.")
@click.option("--min-seconds", type=click.FloatRange(0), default=3.0, show_default=True, help="Algorithm 1, line 17.")
@click.option("--crop", type=click.IntRange(32), default=300, show_default=True)
@click.option("--refine", type=click.BOOL, default=True, show_default=True,
              help="Find each segment's first and last frame between samples (false: as written).")
@click.option("--confirm-with-dlib/--no-confirm-with-dlib", default=True, show_default=True,
              help="Open a user only when dlib also sees a face there (no phantom users from Haar false positives).")
@click.option("--force", is_flag=True)
def split(recordings, out, sample_every, close_after, min_seconds, crop, refine, confirm_with_dlib, force):
    """Algorithm 1: split gallery RECORDINGS (files, or folders of .mp4/.mov/.avi) into one 300x300 video
    per user appearance (OUT/*.mp4) and
    OUT/segments.csv (area, frames, flags: multiple_faces, face_missing, rotation, black_bars,
    likely_facilitator). Screen-share spans are never written."""
    import io

    import pandas as pd

    from ..atomic import OutputExists, commit_dir, prepare_dir, write_text
    from ..curation.split import SplitConfig, split_recording

    cfg = SplitConfig(sample_every=sample_every, close_after=close_after, min_seconds=min_seconds, crop=crop,
                      refine=refine, confirm_with_dlib=confirm_with_dlib)
    try:
        tmp = prepare_dir(out, force)
    except OutputExists as exc:
        raise click.UsageError(str(exc)) from None
    files = []
    for rec in recordings:
        files += sorted(p for p in rec.iterdir() if p.suffix.lower() in (".mp4", ".mov", ".avi")) if rec.is_dir() \
            else [rec]
    if not files:
        raise click.UsageError("no recording found in the given folders")
    segments = []
    try:
        for rec in files:
            try:
                segments += split_recording(rec, tmp, cfg)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
        buf = io.StringIO()
        cols = ["segment", "recording", "file", "x", "y", "side", "start", "end", "n_frames", "fps", "flags",
                "median_roll_deg", "mouth_motion", "samples", "samples_with_face"]
        pd.DataFrame(segments, columns=cols).to_csv(buf, index=False, lineterminator="\n")
        write_text(tmp / "segments.csv", buf.getvalue())
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise
    commit_dir(tmp, out)
    flagged = sum(bool(s["flags"]) for s in segments)
    click.echo(f"wrote {out}: {len(segments)} segments ({flagged} flagged) from {len(files)} recording(s)")


@main.group()
def labels() -> None:
    """The paper's three-stage labelling."""


@labels.command("reconcile")
@click.argument("labels_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
def labels_reconcile(labels_dir: Path, out: Path) -> None:
    """Apply the three-stage rules to LABELS_DIR/stage{1,2,3}.csv: OUT/accepted.csv, OUT/rejected.csv (with
    reasons) and OUT/agreement.json (Cohen's and Fleiss' kappa, labeller confusion matrix)."""
    from ..curation.labels import LabelsError, reconcile, write_reconciled

    try:
        r = reconcile(labels_dir)
    except LabelsError as exc:
        raise click.ClickException(str(exc)) from None
    write_reconciled(r, out)
    a = r.agreement
    click.echo(f"{a['n_events']} events: {a['n_accepted']} accepted ({a['accepted_at_stage_2']} at stage 2, "
               f"{a['accepted_at_stage_3']} at stage 3), {a['n_rejected']} rejected; Cohen's kappa "
               f"{a['cohen_kappa_stage1_stage2']:.3f}, Fleiss' kappa {a['fleiss_kappa_stage1_stage2']:.3f} -> {out}")


@main.command("compile")
@click.option("--segments", "segments_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--labels", "labels_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Output folder of `cmedbench labels reconcile`.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True)
def compile_cmd(segments_dir: Path, labels_dir: Path, out: Path, force: bool) -> None:
    """Cut every accepted event onset..offset from its segment into a CMED-layout release at OUT (both
    layouts, video_emotion_metadata.csv, compile_report.csv saying where each event went or why not)."""
    from ..curation.compile import CompileError, compile_release

    try:
        summary = compile_release(segments_dir, labels_dir, out, force)
    except CompileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out}: {summary}")
