"""Curation: raw recordings -> segments (Algorithm 1) -> reconciled labels -> a release."""

from __future__ import annotations

from pathlib import Path

import click

from ..curation.segment_config import SEGMENT_MODES, SegmentConfig
from . import main, output_exists

DEFAULT = SegmentConfig()


@main.command()
@click.argument("recordings", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for segments.csv (one row per appearance) and dropped.csv (what was not kept).")
@click.option("--mode", type=click.Choice(SEGMENT_MODES), default=DEFAULT.mode, show_default=True,
              help="tiles: find the gallery's tiles and crop inside them, facilitator over the recording; "
                   "algorithm1: the paper's Algorithm 1 as written (crops may cross tiles and the frame edge).")
@click.option("--sample-every", type=click.IntRange(1), default=DEFAULT.sample_every, show_default=True,
              help="Detect faces every this many frames (Algorithm 1, line 3).")
@click.option("--close-after", type=click.IntRange(1), default=DEFAULT.close_after, show_default=True,
              help="Close a user whose face is gone for more than this many frames (Algorithm 1, line 14).")
@click.option("--min-seconds", type=click.FloatRange(0), default=DEFAULT.min_seconds, show_default=True,
              help="Delete segments shorter than this (Algorithm 1, line 17).")
@click.option("--crop", type=click.IntRange(32), default=DEFAULT.crop, show_default=True,
              help="Side of the square segment videos, in pixels (the paper: 300).")
@click.option("--refine", type=click.BOOL, default=DEFAULT.refine, show_default=True,
              help="Find each segment's first and last frame between samples (false: as written).")
@click.option("--confirm-with-dlib/--no-confirm-with-dlib", default=DEFAULT.confirm_with_dlib, show_default=True,
              help="Open a user only when dlib also sees a face there (no phantom users from Haar false positives).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def segment(recordings: tuple[Path, ...], out: Path, mode: str, sample_every: int, close_after: int, min_seconds: float,
            crop: int, refine: bool, confirm_with_dlib: bool, force: bool) -> None:
    """Algorithm 1: find every user appearance in gallery RECORDINGS (files, or folders of .mp4/.mov/.avi):
    OUT/segments.csv, one row per appearance (source, area, frames, flags with their evidence:
    multiple_faces, face_missing, rotation, black_bars, likely_facilitator), and OUT/dropped.csv (too
    short, unconfirmed, screen-share spans, with frames and reason). No video is re-encoded here."""
    from ..atomic import OutputExists
    from ..curation.segment import NoRecordings, SegmentError, segment_recordings

    cfg = SegmentConfig(mode=mode, sample_every=sample_every, close_after=close_after, min_seconds=min_seconds, crop=crop,
                        refine=refine, confirm_with_dlib=confirm_with_dlib)
    try:
        summary = segment_recordings(recordings, out, cfg, force=force)
    except OutputExists:
        raise output_exists(out) from None
    except NoRecordings as exc:
        raise click.UsageError(str(exc)) from None
    except SegmentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out}: {len(summary.segments)} segments ({summary.n_flagged} flagged), {len(summary.dropped)} "
               f"dropped, from {len(summary.recordings)} recording(s)")


@main.group()
def labels() -> None:
    """The paper's three-stage labelling."""


@labels.command("reconcile")
@click.argument("labels_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for accepted.csv, rejected.csv and agreement.json.")
@click.option("--recordings", "recordings_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of the labelled recordings: also check each event's recording, point and end frame.")
def labels_reconcile(labels_dir: Path, out: Path, recordings_dir: Path | None) -> None:
    """Check every stage-1 event (refused with file and line: onset after offset, apex outside the event,
    overlapping events of one participant, unknown participant or recording, times past its end), then
    apply the three-stage rules to LABELS_DIR/stage{1,2,3}.csv: OUT/accepted.csv, OUT/rejected.csv (with
    reasons) and OUT/agreement.json (Cohen's and Fleiss' kappa, labeller confusion matrix)."""
    from ..curation.reconcile import LabelsError, reconcile_labels

    try:
        a = reconcile_labels(labels_dir, out, recordings_dir).agreement
    except LabelsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{a['n_events']} events: {a['n_accepted']} accepted ({a['accepted_at_stage_2']} at stage 2, "
               f"{a['accepted_at_stage_3']} at stage 3), {a['n_rejected']} rejected; Cohen's kappa "
               f"{a['cohen_kappa_stage1_stage2']:.3f}, Fleiss' kappa {a['fleiss_kappa_stage1_stage2']:.3f} -> {out}")


@main.command("compile")
@click.option("--segments", "segments_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path), help="Output folder of `cmedbench segment`.")
@click.option("--labels", "labels_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Output folder of `cmedbench labels reconcile`.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the compiled release.")
@click.option("--decisions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The curator's decisions.csv (segment, keep/exclude/merge, reason[, into]): overrides the flags "
                   "per segment; a merge row makes the segment's participant the INTO segment's person.")
@click.option("--roster-edits", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The curator's roster_edits.csv (recording, participant, rename_to Subject_NN or merge_into "
                   "another participant, reason): kept outside SEGMENTS, so re-segmenting keeps the edits.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def compile_cmd(segments_dir: Path, labels_dir: Path, out: Path, decisions: Path | None, roster_edits: Path | None,
                force: bool) -> None:
    """Cut every accepted event onset..offset from its source recording, with its segment's crop, into a
    CMED-layout release at OUT (lossless clips, both layouts, video_emotion_metadata.csv) and
    compile_report.csv: each event written, excluded (flagged segment) or rejected, with the reason.
    Curator's names (ROSTER_EDITS, or SEGMENTS/roster/<recording>.csv) set the clips' subjects."""
    from ..atomic import OutputExists
    from ..curation.compile import CompileError, compile_release

    try:
        summary = compile_release(segments_dir, labels_dir, out, force, decisions, roster_edits)
    except OutputExists:
        raise output_exists(out) from None
    except CompileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out}: {summary['accepted']} accepted events = {summary['clips']} clips + "
               f"{summary['excluded']} excluded + {summary['rejected']} rejected (reasons in compile_report.csv); "
               f"classes {summary['classes']}")


@main.group()
def curate() -> None:
    """The curator's tools: review the segments before compiling."""


@curate.command("review")
@click.argument("segments_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for review.html, its thumbnails and decisions.csv.")
@click.option("--roster-edits", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The curator's roster_edits.csv: checked against the segments, each edit shown by its participant.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def curate_review(segments_dir: Path, out: Path, roster_edits: Path | None, force: bool) -> None:
    """Write OUT/review.html (one row per segment of SEGMENTS_DIR: frame strip, participant, duration,
    flags with evidence) and OUT/decisions.csv pre-filled from the flags, for the curator to edit and
    pass to `cmedbench compile --decisions`."""
    from ..atomic import OutputExists
    from ..curation.review import write_review
    from ..curation.roster import RosterError
    from ..curation.segment_table import SegmentError

    try:
        r = write_review(segments_dir, out, force, roster_edits)
    except OutputExists:
        raise output_exists(out) from None
    except (SegmentError, RosterError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out}/review.html and {out}/decisions.csv: {r.n_segments} segments ({r.n_flagged} flagged)")
