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
    from .atomic import write_text
    from .release.profiles import ProfileError, load_profile
    from .release.render import render_report
    from .release.schema import schema_yaml
    from .release.validate import validate_release

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

    from .synth.distribution import DistributionError
    from .synth.release import SynthConfig, synth_release as run

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

    from .synth.distribution import DistributionError
    from .synth.raw import RawConfig, synth_raw

    t0 = time.perf_counter()
    try:
        path = synth_raw(out, RawConfig(recordings=recordings, seconds=seconds, grid=grid, seed=seed), children,
                         force)
    except DistributionError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {path} ({recordings} recording(s), {time.perf_counter() - t0:.1f} s)")


@main.command("contact-sheet")
@click.argument("release", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PNG to write.")
@click.option("--per-class", type=click.IntRange(1, 20), default=4, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Which clips are picked.")
def contact_sheet_cmd(release: Path, out: Path, per_class: int, seed: int) -> None:
    """A PNG of apex frames (No-ME: the middle frame) of a few clips of every class of RELEASE."""
    import cv2

    from .atomic import write_bytes
    from .release.contact_sheet import contact_sheet
    from .release.profiles import load_profile
    from .release.validate import validate_release

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

    from .atomic import write_text
    from .release.profiles import load_profile
    from .release.validate import validate_release

    result = validate_release(release, load_profile("none"), progress=True)
    if not result.report.valid:
        raise click.ClickException(f"{release} is not a valid release; run `cmedbench validate {release}`")
    buf = io.StringIO()
    result.table.reset_index().to_csv(buf, index=False, lineterminator="\n")
    write_text(out, buf.getvalue())
    click.echo(f"wrote {out}: {len(result.table)} clips of {result.fingerprint}")


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
    from .features.stages import StageError, load_index

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
    from .features.stages import landmarks_stage

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
    from .features.stages import lbptop_stage

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
    from .features.stages import apex_stage

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
    from .features.stages import flow_stage

    _run_stage(flow_stage, index_csv, release, landmarks=landmarks, out=out, method=method,
               compute_size=compute_size, sizes=tuple(int(x) for x in sizes.split(",")), align=align,
               workers=workers, max_failure_rate=max_failure_rate)


@features.command("graphs")
@LANDMARKS_OPTION
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def features_graphs(landmarks, out):
    """torch-geometric graphs of the ROI landmarks on the three key frames (for the DGCNN)."""
    from .features.stages import graphs_stage

    _run_stage(graphs_stage, landmarks=landmarks, out=out)


@features.command("deflection")
@LANDMARKS_OPTION
@click.option("--index", "index_csv", default="data/index/samples.csv", show_default=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--table", "table_out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--plot", "plot_out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def features_deflection(landmarks, index_csv, table_out, plot_out):
    """The paper's Fig. 6: mean landmark deflection onset -> apex per emotion (CSV table and PNG)."""
    from .features.stages import deflection_stage

    _run_stage(deflection_stage, landmarks=landmarks, index=index_csv, table_out=table_out, plot_out=plot_out)


@main.command()
@click.argument("name", type=click.Choice(["majority", "stratified", "lbptop-svm", "vgg16", "dgcnn", "ststnet"]))
@click.option("--task", required=True, type=click.Choice(["me-spotting", "emotion-6", "emotion-3"]))
@click.option("--protocol", default="loso", show_default=True, type=click.Choice(["loso", "kfold-10"]))
@click.option("--splits", "splits_dir", default="data/splits", show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--features", "features_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Feature artifact (default: the baseline's file under data/features/).")
@click.option("--params", "params_file", default="params.yaml", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML with a section per baseline (svm, vgg, dgcnn, ststnet): preset + overrides.")
@click.option("--selection", type=click.Choice(["fixed-epochs", "inner-validation"]), default="fixed-epochs",
              show_default=True, help="Never the test fold: fixed epochs, or chosen on held-out training subjects.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto (CUDA when present).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Folds in parallel.")
@click.option("--backend", type=click.Choice(["loky", "dask"]), default="loky", show_default=True)
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a local cluster).")
@click.option("--out", default="results", show_default=True, type=click.Path(file_okay=False, path_type=Path))
def baseline(name, task, protocol, splits_dir, features_path, params_file, selection, seed, device, workers, backend,
             scheduler, out):
    """Train and evaluate baseline NAME leave-one-subject-out (or kfold-10), writing
    OUT/NAME/TASK/{predictions.csv, metrics.json, confusion.csv, run.json, submission.json}.

    `cmedbench leaderboard collect` then submits the predictions like any participant's."""
    import yaml

    from .baselines.presets import BASELINES
    from .baselines.runner import RunConfig, run_baseline, write_results

    section = BASELINES[name]["section"]
    params = {}
    if section and params_file.is_file():
        params = (yaml.safe_load(params_file.read_text()) or {}).get(section) or {}
    cfg = RunConfig(selection, seed, device, workers, backend, scheduler)
    try:
        run = run_baseline(name, task, protocol, splits_dir, params, cfg, features_path)
    except (ValueError, FileNotFoundError) as exc:
        raise click.UsageError(str(exc)) from None
    metrics = write_results(out / name / task, name, run, cfg)
    click.echo(f"{name} / {task} / {protocol}: UF1 {metrics['uf1']:.4f}  UAR {metrics['uar']:.4f}  "
               f"accuracy {metrics['accuracy']:.4f}  ({run['runtime_s']:.1f} s, preset {run['preset']}) "
               f"-> {out / name / task}")


@main.command()
@click.option("--baseline", "baseline_filter", default=None, help="Only this baseline (e.g. dgcnn).")
@click.option("--task", "task_filter", default=None, help="Only this task.")
@click.option("--num", type=click.IntRange(1), default=1, show_default=True,
              help="Experiments of this many commits back from HEAD.")
def experiments(baseline_filter, task_filter, num) -> None:
    """Compare `dvc exp` experiments: pooled UF1 / UAR / accuracy per baseline and task, with the params
    that differ between experiments (`dvc exp run -S dgcnn.k=30` makes one)."""
    import dvc.api
    from rich.table import Table

    from .baselines.experiments import experiment_rows
    from .console import out_console

    try:
        rows = dvc.api.exp_show(repo=".", num=num)
    except Exception as exc:  # DVC raises many types for "not a repo / nothing run yet"
        raise click.ClickException(f"dvc exp show failed: {exc}") from None
    table = Table(title="dvc experiments (pooled metrics; LOSO unless the protocol param says otherwise)")
    for col in ("experiment", "baseline", "task", "UF1", "UAR", "accuracy", "UF1 mean/folds", "params that differ"):
        table.add_column(col, justify="right" if col[0].isupper() else "left")
    fmt = lambda v: "–" if v is None else f"{v:.4f}"  # noqa: E731
    for r in experiment_rows(rows, baseline_filter, task_filter):
        table.add_row(str(r["experiment"]), r["baseline"], r["task"], fmt(r["uf1"]), fmt(r["uar"]),
                      fmt(r["accuracy"]), fmt(r["uf1_mean_over_folds"]), r["params"])
    out_console().print(table)


# ---- curation ---------------------------------------------------------------------------------------

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

    from .atomic import OutputExists, commit_dir, prepare_dir, write_text
    from .curation.split import SplitConfig, split_recording

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
    from .curation.labels import LabelsError, reconcile, write_reconciled

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
    from .curation.compile import CompileError, compile_release

    try:
        summary = compile_release(segments_dir, labels_dir, out, force)
    except CompileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out}: {summary}")


# ---- benchmark -------------------------------------------------------------------------------------

SPLITS_OPTION = click.option("--splits", "splits_dir", default="data/splits", show_default=True,
                             type=click.Path(file_okay=False, path_type=Path),
                             help="Benchmark folder written by `cmedbench splits`.")
TASK_OPTION = click.option("--task", required=True, help="me-spotting, emotion-6 or emotion-3.")
PROTOCOL_OPTION = click.option("--protocol", default="loso", show_default=True, help="loso or kfold-10.")
BOARD_OPTION = click.option("--leaderboard", "board_dir", default="leaderboard", show_default=True,
                            type=click.Path(file_okay=False, path_type=Path))


def _evaluator(task: str, protocol: str, splits_dir: Path, n_boot: int = 1000):
    from .bench.evaluator import Evaluator
    from .bench.splits import SplitsError
    from .bench.tasks import UnknownTask

    try:
        return Evaluator(task, protocol, splits_dir, n_boot=n_boot)
    except (SplitsError, UnknownTask) as exc:
        raise click.UsageError(str(exc.args[0] if exc.args else exc)) from None
    except OSError as exc:
        raise click.UsageError(f"cannot read the benchmark folder {splits_dir}: {exc}") from None


def _score_or_exit(evaluator, predictions: Path):
    from .bench.render import print_problems
    from .bench.submission import SubmissionError

    try:
        sub = evaluator.parse(predictions)
    except SubmissionError as exc:
        print_problems(exc.problems)
        sys.exit(EXIT_INVALID)
    return sub, evaluator.score(sub)


@main.command()
@click.argument("release", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", default="data/splits", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the kfold-10 subject shuffle.")
@click.option("--metadata-only", is_flag=True, help="Do not open the videos (fingerprint from metadata only).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def splits(release: Path, out: Path, seed: int, metadata_only: bool, force: bool) -> None:
    """Write the benchmark folder for RELEASE: fold maps of every task x protocol, the unlabeled sample
    list, the answer key and a manifest with the dataset fingerprint and every file's hash.

    The release is validated first (profile none); an invalid release writes nothing.
    """
    from .atomic import OutputExists, commit_dir, prepare_dir
    from .bench.splits import build_splits
    from .release.profiles import load_profile
    from .release.validate import validate_release

    result = validate_release(release, load_profile("none"), metadata_only=metadata_only, progress=True)
    if not result.report.valid:
        from .release.render import render_report

        render_report(result.report, show=20)
        raise click.ClickException(f"{release} is not a valid release; nothing written")
    files = build_splits(result.table, result.fingerprint, str(release), seed)
    try:
        tmp = prepare_dir(out, force)
    except OutputExists as exc:
        raise click.UsageError(str(exc)) from None
    for rel, data in files.items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_bytes(data)
    commit_dir(tmp, out)
    click.echo(f"wrote {out}: {len(result.table)} samples, dataset {result.fingerprint}")


@main.command()
@click.argument("predictions", type=click.Path(dir_okay=False, path_type=Path))
@TASK_OPTION
@PROTOCOL_OPTION
@SPLITS_OPTION
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON result here.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON result to stdout instead of tables.")
@click.option("--bootstrap", type=click.IntRange(0), default=1000, show_default=True,
              help="Subject-bootstrap resamples for the 95% CIs.")
def score(predictions: Path, task: str, protocol: str, splits_dir: Path, out: Path | None, as_json: bool,
          bootstrap: int) -> None:
    """Dry run: validate PREDICTIONS and score it; stores nothing on the leaderboard.

    Exit status 0 when the file is valid, 1 when it is rejected (every problem is listed), 2 on usage errors.
    """
    import json

    evaluator = _evaluator(task, protocol, splits_dir, max(bootstrap, 1))
    _, result = _score_or_exit(evaluator, predictions)
    text = json.dumps(result, indent=2)
    if out is not None:
        from .atomic import write_text

        write_text(out, text + "\n")
    if as_json:
        click.echo(text)
    else:
        from .bench.render import print_result

        print_result(result, f"{predictions.name}: {task} / {protocol}")


@main.command()
@click.argument("predictions", type=click.Path(dir_okay=False, path_type=Path))
@TASK_OPTION
@PROTOCOL_OPTION
@click.option("--model", required=True, help="Model name shown on the board (no newlines, at most 80 chars).")
@click.option("--description", default="", help="One paragraph: what the model is, how it was trained.")
@click.option("--selection", type=click.Choice(["fixed-epochs", "inner-validation", "test-fold", "undeclared"]),
              default="undeclared", show_default=True,
              help="How epochs/hyper-parameters were chosen. test-fold (choosing on the test fold) is a leak "
                   "and is flagged on the board.")
@click.option("--seeds", default="", help="Comma-separated seeds of this run; several submissions of one model "
                                          "with different seeds show as mean ± sd.")
@click.option("--code-url", default=None, help="Where the code that produced the predictions lives.")
@SPLITS_OPTION
@BOARD_OPTION
def submit(predictions: Path, task: str, protocol: str, model: str, description: str, selection: str, seeds: str,
           code_url: str | None, splits_dir: Path, board_dir: Path) -> None:
    """Validate, score and add PREDICTIONS to the leaderboard as one immutable record.

    A rejected file stores nothing. Re-submitting an identical file is refused.
    """
    from .bench.leaderboard import Leaderboard, LeaderboardError, make_record
    from .bench.render import print_result

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise click.UsageError(f"--seeds must be comma-separated integers, got {seeds!r}") from None
    evaluator = _evaluator(task, protocol, splits_dir)
    _, result = _score_or_exit(evaluator, predictions)
    try:
        record = make_record(result, model, description, selection, seed_list, code_url)
        path = Leaderboard(board_dir).add(record)
    except LeaderboardError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    print_result(result, f"{model}: {task} / {protocol}")
    click.echo(f"stored {path}; board: {board_dir / 'LEADERBOARD.md'}")


@main.command()
@click.option("--task", "task_filter", multiple=True, help="Only these tasks (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True)
@click.option("--check", is_flag=True, help="Verify every record (fields, content hash = id) and rebuild "
                                            "LEADERBOARD.md from the records alone.")
@BOARD_OPTION
def leaderboard(task_filter: tuple[str, ...], fmt: str, check: bool, board_dir: Path) -> None:
    """Print the leaderboard (Markdown, JSON or CSV)."""
    import json

    from .bench.leaderboard import Leaderboard, board_json, csv_safe, render_markdown

    board = Leaderboard(board_dir)
    if check:
        problems = board.check()
        for p in problems:
            click.echo(f"invalid record: {p}", err=True)
        click.echo(f"{len(board.records())} records checked, {len(problems)} problems; "
                   f"rebuilt {board_dir / 'LEADERBOARD.md'}", err=True)
        if problems:
            sys.exit(EXIT_INVALID)
    records = [r for r in board.records() if not task_filter or r["task"] in task_filter]
    if fmt == "md":
        click.echo(render_markdown(records), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(board_json(records), indent=2))
    else:
        import csv

        rows = board_json(records)
        cols = ["dataset_fingerprint", "task", "protocol", "rank", "model", "kind", "selection", "uf1", "uf1_sd",
                "uar", "uar_sd", "accuracy", "mof_uf1", "mof_uar", "worst", "n_replicates", "description"]
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        for row in rows:
            w.writerow([csv_safe(row[c]) if isinstance(row[c], str) else row[c] for c in cols])


@main.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path), default="results")
@SPLITS_OPTION
@BOARD_OPTION
def collect(results: Path, splits_dir: Path, board_dir: Path) -> None:
    """Submit every RESULTS/*/*/predictions.csv with its submission.json (baselines' outputs) to the
    leaderboard; files already on the board are skipped. Then re-render the board."""
    import json

    from .bench.leaderboard import Leaderboard, LeaderboardError, make_record
    from .bench.submission import SubmissionError

    board = Leaderboard(board_dir)
    stored = skipped = 0
    for meta_path in sorted(results.glob("*/*/submission.json")):
        meta = json.loads(meta_path.read_text())
        ev = _evaluator(meta["task"], meta["protocol"], splits_dir)
        try:
            result = ev.eval(meta_path.parent / "predictions.csv")
            board.add(make_record(result, meta["model"], meta["description"], meta["selection"], meta["seeds"],
                                  kind=meta.get("kind", "measured")))
            stored += 1
        except LeaderboardError as exc:
            if "already submitted" not in str(exc):
                raise click.ClickException(f"{meta_path}: {exc}") from None
            skipped += 1
        except SubmissionError as exc:
            raise click.ClickException(f"{meta_path.parent / 'predictions.csv'}: {exc.problems[0].message}") from None
    board.render()
    click.echo(f"{stored} new records, {skipped} already on the board; {board_dir / 'LEADERBOARD.md'}")


@main.command()
@click.argument("record_a")
@click.argument("record_b")
@click.option("--permutations", type=click.IntRange(100), default=10000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@BOARD_OPTION
def compare(record_a: str, record_b: str, permutations: int, seed: int, board_dir: Path) -> None:
    """Difference in pooled UF1 and UAR between two records (ids or id prefixes) of the same dataset,
    task and fold map, with a paired permutation p-value over subjects."""
    from rich.table import Table

    from .bench.compare import CompareError, compare_records
    from .bench.leaderboard import Leaderboard, LeaderboardError
    from .console import out_console

    board = Leaderboard(board_dir)
    try:
        a, b = board.find(record_a), board.find(record_b)
        out = compare_records(a, b, permutations, seed)
    except (LeaderboardError, CompareError) as exc:
        raise click.UsageError(str(exc)) from None
    t = Table(title=f"{a['model']} ({a['id'][:8]}) vs {b['model']} ({b['id'][:8]}): {a['task']} / {a['protocol']}")
    for col in ("metric", "A", "B", "A - B", "p (two-sided)"):
        t.add_column(col, justify="right")
    for m in ("uf1", "uar"):
        t.add_row(m.upper() + " pooled", f"{a['result']['pooled'][m]:.4f}", f"{b['result']['pooled'][m]:.4f}",
                  f"{out[m]['difference']:+.4f}", f"{out[m]['p_value']:.4f}")
    out_console().print(t)
    out_console().print(out["method"])


@main.command()
@TASK_OPTION
@PROTOCOL_OPTION
@click.option("--kind", type=click.Choice(["majority", "stratified"]), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the prediction file.")
@click.option("--submit", "do_submit", is_flag=True, help="Also add it to the leaderboard as a floor row.")
@SPLITS_OPTION
@BOARD_OPTION
def floor(task: str, protocol: str, kind: str, seed: int, out: Path, do_submit: bool, splits_dir: Path,
          board_dir: Path) -> None:
    """Trivial reference predictions (fitted on each fold's training subjects only)."""
    from .atomic import write_text
    from .bench.floors import floor_predictions, predictions_csv
    from .bench.leaderboard import Leaderboard, LeaderboardError, make_record

    ev = _evaluator(task, protocol, splits_dir)
    b = ev.bench
    pred = floor_predictions(b.y_true, b.folds, len(b.task.labels), kind, seed)
    write_text(out, predictions_csv(b.sample_ids, b.folds, pred, b.task.labels).decode())
    click.echo(f"wrote {out}")
    if do_submit:
        _, result = _score_or_exit(ev, out)
        model = f"floor: {kind}" + (f" (seed {seed})" if kind == "stratified" else "")
        desc = ("always the training folds' majority class" if kind == "majority"
                else "random draws from the training folds' class distribution")
        try:
            path = Leaderboard(board_dir).add(make_record(result, model, desc, seeds=[seed], kind="floor"))
        except LeaderboardError as exc:
            click.echo(f"not stored: {exc}", err=True)
            return
        click.echo(f"stored {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
