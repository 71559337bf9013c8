"""Feature stages: thin wrappers over cmedbench.features."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import EXIT_INVALID, EXIT_USAGE, main  # noqa: F401


@main.group()
def features() -> None:
    """Feature stages over the sample table (see dvc.yaml): each writes one artifact keyed by sample_id
    and a <artifact>.failures.csv; a stage fails only above --max-failure-rate."""


def _feature_options(f):
    for opt in reversed([
        click.option("--index", "index_csv", default="data/index/samples.csv", show_default=True,
                     type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--release", default="data/synthetic/release", show_default=True,
                     type=click.Path(exists=True, file_okay=False, path_type=Path)),
        click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path)),
        click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True),
        click.option("--max-failure-rate", type=click.FloatRange(0, 1), default=0.05, show_default=True),
    ]):
        f = opt(f)
    return f


LANDMARKS_OPTION = click.option("--landmarks", default="data/features/landmarks.npz", show_default=True,
                                type=click.Path(exists=True, dir_okay=False, path_type=Path))
ALIGN_OPTION = click.option("--align", type=click.BOOL, default=False, show_default=True,
                            help="DFME alignment: one similarity transform from the onset landmarks to a reference "
                                 "shape for the whole clip (default: a square box around the onset landmarks).")


def _run_stage(fn, index_csv: Path | None = None, release: Path | None = None, **kwargs):
    """Run a feature stage; with an index and a release, over the clips they list."""
    from ..features.stages import StageError, load_index

    if index_csv is not None:
        kwargs["clips"] = load_index(index_csv, release)
    try:
        summary = fn(**kwargs)
    except StageError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {kwargs.get('out') or kwargs.get('table_out')}: {summary}")


@features.command("landmarks")
@_feature_options
@click.option("--frames", type=click.Choice(["key", "all"]), default="key", show_default=True,
              help="Key frames (onset, apex or a seeded random frame for No-ME, offset) or every frame (tracked).")
@click.option("--upsample", type=click.IntRange(0, 2), default=0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the No-ME random frame.")
def features_landmarks(index_csv, release, out, workers, max_failure_rate, frames, upsample, seed):
    """dlib HOG face detection + 68-point landmarks, with a status per frame."""
    from ..features.stages import landmarks_stage

    _run_stage(landmarks_stage, index_csv, release, out=out, frames=frames, upsample=upsample,
               seed=seed, workers=workers, max_failure_rate=max_failure_rate)


@features.command("lbptop")
@_feature_options
@LANDMARKS_OPTION
@ALIGN_OPTION
@click.option("--frames", type=click.Choice(["key", "clip"]), default="key", show_default=True)
@click.option("--size", type=int, default=224, show_default=True)
@click.option("--radius", type=float, default=1.0, show_default=True)
@click.option("--points", type=int, default=8, show_default=True)
@click.option("--grid", type=(int, int), default=(5, 5), show_default=True)
def features_lbptop(index_csv, release, out, workers, max_failure_rate, landmarks, align, frames, size, radius, points,
                    grid):
    """LBP-TOP histograms (uniform patterns, XY/XT/YT planes, block grid) of the face crops."""
    from ..features.stages import lbptop_stage

    _run_stage(lbptop_stage, index_csv, release, landmarks=landmarks, out=out, frames=frames,
               size=size, radius=radius, points=points, grid=grid, align=align, workers=workers,
               max_failure_rate=max_failure_rate)


@features.command("apex")
@_feature_options
@LANDMARKS_OPTION
@ALIGN_OPTION
@click.option("--size", type=int, default=224, show_default=True)
def features_apex(index_csv, release, out, workers, max_failure_rate, landmarks, align, size):
    """The face crop of the apex frame (No-ME: a seeded random frame), RGB."""
    from ..features.stages import apex_stage

    _run_stage(apex_stage, index_csv, release, landmarks=landmarks, out=out, size=size,
               align=align, workers=workers, max_failure_rate=max_failure_rate)


@features.command("flow")
@_feature_options
@LANDMARKS_OPTION
@ALIGN_OPTION
@click.option("--method", type=click.Choice(["farneback", "dis", "tvl1"]), default="farneback", show_default=True)
@click.option("--compute-size", type=int, default=112, show_default=True)
@click.option("--sizes", default="28,60,112", show_default=True, help="Output sizes, comma-separated.")
def features_flow(index_csv, release, out, workers, max_failure_rate, landmarks, align, method, compute_size, sizes):
    """Optical flow (u, v) and optical strain from onset to apex face crops."""
    from ..features.stages import flow_stage

    _run_stage(flow_stage, index_csv, release, landmarks=landmarks, out=out, method=method,
               compute_size=compute_size, sizes=tuple(int(x) for x in sizes.split(",")), align=align,
               workers=workers, max_failure_rate=max_failure_rate)


@features.command("graphs")
@LANDMARKS_OPTION
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def features_graphs(landmarks, out):
    """torch-geometric graphs of the ROI landmarks on the three key frames (for the DGCNN)."""
    from ..features.stages import graphs_stage

    _run_stage(graphs_stage, landmarks=landmarks, out=out)


@features.command("deflection")
@LANDMARKS_OPTION
@click.option("--index", "index_csv", default="data/index/samples.csv", show_default=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--table", "table_out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--plot", "plot_out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def features_deflection(landmarks, index_csv, table_out, plot_out):
    """The paper's Fig. 6: mean landmark deflection onset -> apex per emotion (CSV table and PNG)."""
    from ..features.stages import deflection_stage

    _run_stage(deflection_stage, landmarks=landmarks, index=index_csv, table_out=table_out, plot_out=plot_out)
