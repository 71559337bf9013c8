"""Feature stages: thin wrappers over cmedbench.features.stages. Option defaults come from the
library's config classes (cmedbench.features.config), so each default is stated once."""

from __future__ import annotations

from pathlib import Path

import click

from ..features.config import (BACKENDS, FLOW_METHODS, LANDMARK_FRAMES, LBPTOP_FRAMES, ApexConfig, CropConfig,
                               FlowConfig, LandmarksConfig, LbpTopConfig, RunConfig)
from . import EXIT_INVALID, EXIT_USAGE, main  # noqa: F401
from .release import release_root_option, sample_table_failure, samples_option


@main.group()
def features() -> None:
    """Feature stages over the sample table (see dvc.yaml): each writes one artifact keyed by sample_id
    and a <artifact>.failures.csv; a stage fails only above --max-failure-rate."""


SAMPLES_OPTION = samples_option("Sample table of the release (written by `cmedbench validate --samples`).")


def _clip_options(f):
    """The options of every stage that opens the release's videos."""
    for opt in reversed([
        SAMPLES_OPTION,
        release_root_option,
        click.option("--out", required=True, type=click.Path(path_type=Path),
                     help="The artifact to write: NAME.npz is one file; any other name is a folder of shards "
                          "(bounded memory; an existing one's unchanged rows are re-used). Failures go to "
                          "<artifact>.failures.csv next to it."),
        click.option("--workers", type=click.IntRange(1, 64), default=RunConfig.workers, show_default=True,
                     help="Clips processed in parallel (processes on this machine, or Dask workers)."),
        click.option("--max-failure-rate", type=click.FloatRange(0, 1), default=RunConfig.max_failure_rate,
                     show_default=True, help="Fail the stage when a larger share of clips fails."),
        click.option("--backend", type=click.Choice(BACKENDS), default=RunConfig.backend, show_default=True,
                     help="local or loky: processes on this machine; dask: clips over a Dask cluster."),
        click.option("--scheduler", default=RunConfig.scheduler,
                     help="Dask scheduler address (backend dask; default: a local cluster of --workers)."),
        click.option("--shard-rows", type=click.IntRange(1), default=RunConfig.shard_rows, show_default=True,
                     help="Clips per shard of a folder artifact."),
    ]):
        f = opt(f)
    return f


LANDMARKS_OPTION = click.option("--landmarks", default="data/features/landmarks.npz", show_default=True,
                                type=click.Path(exists=True, path_type=Path),
                                help="Landmarks artifact (.npz or shard folder) written by `cmedbench features "
                                     "landmarks`.")
ALIGN_OPTION = click.option("--align", type=click.BOOL, default=CropConfig.align, show_default=True,
                            help="DFME alignment: one similarity transform from the onset landmarks to a reference "
                                 "shape for the whole clip (default: a square box around the onset landmarks).")


def _run_stage(fn, samples: Path | None = None, **kwargs) -> None:
    """Run one library stage and print its summary; library refusals become messages, not tracebacks."""
    from ..features.stages import StageError
    from ..release.sample_table import SampleTableError

    try:
        summary = fn(**kwargs) if samples is None else fn(samples=samples, **kwargs)
    except SampleTableError as exc:
        raise sample_table_failure(exc, samples) from None
    except StageError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {kwargs.get('out') or kwargs.get('table_out')}: {_sentence(summary)}")


def _sentence(summary: dict) -> str:
    """A stage's summary as a person reads it."""
    from ..features.landmarks import STATUS_NAMES

    text = f"{summary['ok']} of {summary['n']} clips" if "ok" in summary else f"{summary['n']} clips"
    if "status_counts" in summary:
        counts = ", ".join(f"{STATUS_NAMES[i]} {c}" for i, c in enumerate(summary["status_counts"]))
        text += f" (key-frame statuses: {counts})"
    if summary.get("reused"):
        text += f"; computed {summary['computed']}, re-used {summary['reused']} unchanged"
    if "emotions" in summary:
        text += f"; emotions: {', '.join(summary['emotions']) or 'none'}"
    return text


@features.command("landmarks")
@_clip_options
@click.option("--frames", type=click.Choice(LANDMARK_FRAMES), default=LandmarksConfig.frames, show_default=True,
              help="Key frames (onset, apex or a seeded random frame for No-ME, offset) or every frame (tracked).")
@click.option("--upsample", type=click.IntRange(0, 2), default=LandmarksConfig.upsample, show_default=True,
              help="dlib detector upsampling (finds smaller faces, slower).")
@click.option("--seed", type=int, default=LandmarksConfig.seed, show_default=True,
              help="Seed of the No-ME random frame.")
def features_landmarks(samples, release, out, frames, upsample, seed, **run):
    """dlib HOG face detection + 68-point landmarks, with a status per frame."""
    from ..features.stages import landmarks_stage

    _run_stage(landmarks_stage, samples, release=release, out=out,
               config=LandmarksConfig(frames=frames, upsample=upsample, seed=seed),
               run=RunConfig(**run))


@features.command("lbptop")
@_clip_options
@LANDMARKS_OPTION
@ALIGN_OPTION
@click.option("--frames", type=click.Choice(LBPTOP_FRAMES), default=LbpTopConfig.frames, show_default=True,
              help="The three key frames (the paper) or every frame of the clip.")
@click.option("--size", type=int, default=LbpTopConfig.size, show_default=True, help="Face crop side, pixels.")
@click.option("--radius", type=float, default=LbpTopConfig.radius, show_default=True, help="LBP radius R.")
@click.option("--points", type=int, default=LbpTopConfig.points, show_default=True, help="LBP neighbours P.")
@click.option("--grid", type=(int, int), default=LbpTopConfig.grid, show_default=True,
              help="Blocks per crop: rows, columns.")
def features_lbptop(samples, release, out, landmarks, align, frames, size, radius, points, grid, **run):
    """LBP-TOP histograms (uniform patterns, XY/XT/YT planes, block grid) of the face crops."""
    from ..features.stages import lbptop_stage

    _run_stage(lbptop_stage, samples, release=release, landmarks=landmarks, out=out,
               config=LbpTopConfig(align=align, frames=frames, size=size, radius=radius, points=points, grid=grid),
               run=RunConfig(**run))


@features.command("apex")
@_clip_options
@LANDMARKS_OPTION
@ALIGN_OPTION
@click.option("--size", type=int, default=ApexConfig.size, show_default=True, help="Face crop side, pixels.")
def features_apex(samples, release, out, landmarks, align, size, **run):
    """The face crop of the apex frame (No-ME: a seeded random frame), RGB."""
    from ..features.stages import apex_stage

    _run_stage(apex_stage, samples, release=release, landmarks=landmarks, out=out,
               config=ApexConfig(align=align, size=size),
               run=RunConfig(**run))


class SizesType(click.ParamType):
    """Comma-separated positive whole numbers, as a type (not a callback) so that `check-params` converts
    a params.yaml value exactly as the stage will."""

    name = "sizes"

    def convert(self, value, param, ctx) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        try:
            sizes = tuple(int(x) for x in str(value).split(","))
        except ValueError:
            self.fail(f"expected comma-separated whole numbers, got {value!r}", param, ctx)
        if not sizes or min(sizes) < 1:
            self.fail(f"sizes must be positive, got {value!r}", param, ctx)
        return sizes


@features.command("flow")
@_clip_options
@LANDMARKS_OPTION
@ALIGN_OPTION
@click.option("--method", type=click.Choice(FLOW_METHODS), default=FlowConfig.method, show_default=True,
              help="Optical flow algorithm (tvl1 needs opencv-contrib).")
@click.option("--compute-size", type=int, default=FlowConfig.compute_size, show_default=True,
              help="Face crop side the flow is computed at, pixels.")
@click.option("--sizes", default=",".join(map(str, FlowConfig.sizes)), show_default=True, type=SizesType(),
              help="Output sizes, comma-separated.")
def features_flow(samples, release, out, landmarks, align, method, compute_size, sizes, **run):
    """Optical flow (u, v) and optical strain from onset to apex face crops."""
    from ..features.stages import flow_stage

    _run_stage(flow_stage, samples, release=release, landmarks=landmarks, out=out,
               config=FlowConfig(align=align, method=method, compute_size=compute_size, sizes=sizes),
               run=RunConfig(**run))


@features.command("graphs")
@LANDMARKS_OPTION
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The graphs file to write (.pt); failures go to <out>.failures.csv.")
def features_graphs(landmarks, out):
    """torch-geometric graphs of the ROI landmarks on the three key frames (for the DGCNN)."""
    from ..features.stages import graphs_stage

    _run_stage(graphs_stage, landmarks=landmarks, out=out)


@features.command("deflection")
@LANDMARKS_OPTION
@SAMPLES_OPTION
@click.option("--table", "table_out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of mean deflections per emotion and landmark.")
@click.option("--plot", "plot_out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="PNG of the deflections (the paper's Fig. 6).")
def features_deflection(landmarks, samples, table_out, plot_out):
    """The paper's Fig. 6: mean landmark deflection onset -> apex per emotion (CSV table and PNG)."""
    from ..features.stages import deflection_stage

    _run_stage(deflection_stage, landmarks=landmarks, samples=samples, table_out=table_out, plot_out=plot_out)
