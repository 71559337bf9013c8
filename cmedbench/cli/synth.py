"""The embedded default: synthetic releases and raw gallery recordings."""

from __future__ import annotations

from pathlib import Path

import click

from ..synth.synth_config import RawConfig, SynthConfig
from . import main, output_exists

RELEASE = SynthConfig()
RAW = RawConfig()


def _bad_request(exc) -> click.BadParameter:
    """A refused synthetic request, pinned on the option that carries the config field at fault."""
    return click.BadParameter(str(exc), param_hint=f"'--{exc.field.replace('_', '-')}'")


@main.group()
def synth() -> None:
    """The embedded default: synthetic CMED-shaped releases."""


@synth.command("release")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--subjects", type=click.IntRange(1), default=RELEASE.subjects, show_default=True,
              help="Number of subjects, taken from Table V in order (74 = all).")
@click.option("--scale", type=float, default=RELEASE.scale, show_default=True,
              help="Fraction of Table V's counts to keep (1.0 with 74 subjects reproduces Table V exactly). "
                   "The default gives about 300 clips.")
@click.option("--seed", type=int, default=RELEASE.seed, show_default=True,
              help="Seed of the whole release: same seed, same bytes.")
@click.option("--max-emotion-frames", type=int, default=RELEASE.max_emotion_frames, show_default=True,
              help="Cap on emotion clip length (Table IV: up to 821).")
@click.option("--max-no-me-frames", type=int, default=RELEASE.max_no_me_frames, show_default=True,
              help="Cap on No-ME clip length (Table IV: up to 7680).")
@click.option("--workers", type=click.IntRange(1, 64), default=RELEASE.workers, show_default=True,
              help="Clips rendered in parallel.")
@click.option("--per-class", type=int, default=None,
              help="Balanced release: this many clips of every class per subject instead of Table V's counts "
                   "(--scale is then unused); every rendered action unit is common enough to measure.")
@click.option("--metadata-only", is_flag=True, help="Write the metadata CSV, truth and profile; render no video.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def synth_release(out: Path, subjects: int, scale: float, seed: int, max_emotion_frames: int,
                  max_no_me_frames: int, workers: int, per_class: int | None, metadata_only: bool,
                  force: bool) -> None:
    """Write a synthetic CMED-shaped release to OUT: both folder layouts, video_emotion_metadata.csv,
    the ground truth (synth_truth.csv) and the profile it must satisfy (profile.yaml).

    Faces come from scikit-image's astronaut photograph; expressions are FACS action units (DFME
    Table 7) moving dlib's 68 landmarks; the class x subject counts follow Table V at --scale.
    """
    import time

    from ..atomic import OutputExists
    from ..synth.release import synth_release as run
    from ..synth.synth_config import SynthConfigError

    cfg = SynthConfig(subjects=subjects, scale=scale, seed=seed, max_emotion_frames=max_emotion_frames,
                      max_no_me_frames=max_no_me_frames, workers=workers, per_class=per_class)
    t0 = time.perf_counter()
    try:
        path = run(out, cfg, metadata_only=metadata_only, force=force)
    except SynthConfigError as exc:
        raise _bad_request(exc) from None
    except OutputExists:
        raise output_exists(out) from None
    kind = "metadata only" if metadata_only else "videos rendered"
    click.echo(f"wrote {path} ({kind}, {time.perf_counter() - t0:.1f} s); validate it with "
               f"`cmedbench validate {path} --profile {path / 'profile.yaml'}`")


@synth.command("raw")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--recordings", type=click.IntRange(1, 50), default=RAW.recordings, show_default=True,
              help="Number of gallery recordings.")
@click.option("--seconds", type=float, default=RAW.seconds, show_default=True, help="Length of each recording.")
@click.option("--grid", type=click.IntRange(2, 3), default=RAW.grid, show_default=True, help="2 = 2x2 tiles, 3 = 3x3.")
@click.option("--children", type=click.IntRange(1), default=RAW.children, show_default=True,
              help="Children in the gallery besides the facilitator (two of them share a tile).")
@click.option("--seed", type=int, default=RAW.seed, show_default=True,
              help="Seed of the recordings and the labellers' choices.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists and is not empty.")
def synth_raw_cmd(out: Path, recordings: int, seconds: float, grid: int, children: int, seed: int,
                  force: bool) -> None:
    """Write Zoom-style gallery recordings (1280x720, 25 fps) to OUT/recordings/, the three labellers'
    files to OUT/labels/ (stage1.csv, stage2.csv, stage3.csv) and the truth to OUT/manifest.json."""
    import time

    from ..atomic import OutputExists
    from ..synth.raw import synth_raw
    from ..synth.synth_config import SynthConfigError

    cfg = RawConfig(recordings=recordings, seconds=seconds, grid=grid, children=children, seed=seed)
    t0 = time.perf_counter()
    try:
        path = synth_raw(out, cfg, force=force)
    except SynthConfigError as exc:
        raise _bad_request(exc) from None
    except OutputExists:
        raise output_exists(out) from None
    click.echo(f"wrote {path} ({recordings} recording(s), {time.perf_counter() - t0:.1f} s)")
