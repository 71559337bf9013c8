"""The embedded default: synthetic releases and raw gallery recordings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import EXIT_INVALID, EXIT_USAGE, main  # noqa: F401


@main.group()
def synth() -> None:
    """The embedded default: synthetic CMED-shaped releases."""


@synth.command("release")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--subjects", type=click.IntRange(1), default=12, show_default=True,
              help="Number of subjects, taken from Table V in order (74 = all).")
@click.option("--scale", type=float, default=0.036, show_default=True,
              help="Fraction of Table V's counts to keep (1.0 with 74 subjects reproduces Table V exactly). "
                   "The default gives about 300 clips.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-emotion-frames", type=int, default=120, show_default=True,
              help="Cap on emotion clip length (Table IV: up to 821).")
@click.option("--max-no-me-frames", type=int, default=200, show_default=True,
              help="Cap on No-ME clip length (Table IV: up to 7680).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--metadata-only", is_flag=True, help="Write the metadata CSV, truth and profile; render no video.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def synth_release(out: Path, subjects: int, scale: float, seed: int, max_emotion_frames: int,
                  max_no_me_frames: int, workers: int, metadata_only: bool, force: bool) -> None:
    """Write a synthetic CMED-shaped release to OUT: both folder layouts, video_emotion_metadata.csv,
    the ground truth (synth_truth.csv) and the profile it must satisfy (profile.yaml).

    Faces come from scikit-image's astronaut photograph; expressions are FACS action units (DFME
    Table 7) moving dlib's 68 landmarks; the class x subject counts follow Table V at --scale.
    """
    import time

    from ..synth.distribution import DistributionError
    from ..synth.release import SynthConfig, synth_release as run

    cfg = SynthConfig(subjects, scale, seed, max_emotion_frames, max_no_me_frames, workers)
    t0 = time.perf_counter()
    try:
        path = run(out, cfg, metadata_only=metadata_only, force=force)
    except DistributionError as exc:
        raise click.UsageError(str(exc)) from None
    kind = "metadata only" if metadata_only else "videos rendered"
    click.echo(f"wrote {path} ({kind}, {time.perf_counter() - t0:.1f} s); validate it with "
               f"`cmedbench validate {path} --profile {path / 'profile.yaml'}`")


@synth.command("raw")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--recordings", type=click.IntRange(1, 50), default=1, show_default=True)
@click.option("--seconds", type=float, default=60.0, show_default=True, help="Length of each recording.")
@click.option("--grid", type=click.IntRange(2, 3), default=2, show_default=True, help="2 = 2x2 tiles, 3 = 3x3.")
@click.option("--children", type=click.IntRange(1), default=3, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def synth_raw_cmd(out: Path, recordings: int, seconds: float, grid: int, children: int, seed: int,
                  force: bool) -> None:
    """Write Zoom-style gallery recordings (1280x720, 25 fps) to OUT/recordings/, the three labellers'
    files to OUT/labels/ (stage1.csv, stage2.csv, stage3.csv) and the truth to OUT/manifest.json."""
    import time

    from ..synth.distribution import DistributionError
    from ..synth.raw import RawConfig, synth_raw

    t0 = time.perf_counter()
    try:
        path = synth_raw(out, RawConfig(recordings=recordings, seconds=seconds, grid=grid, seed=seed), children,
                         force)
    except DistributionError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {path} ({recordings} recording(s), {time.perf_counter() - t0:.1f} s)")
