"""Feature stages over a small synthetic release: artifacts keyed by sample_id, failures recorded,
and the sample table (not the release) as their only source of what clips exist."""

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cmedbench.features.clips import load_clips
from cmedbench.features.config import ApexConfig, FlowConfig, LbpTopConfig, RunConfig
from cmedbench.features.stages import (StageError, apex_stage, deflection_stage, failures_path, flow_stage,
                                       graphs_stage, landmarks_stage, lbptop_stage, load_graphs)
from cmedbench.release.sample_table import MetadataOnlyTable, read_sample_table, write_sample_table
from cmedbench.synth.release import SynthConfig, synth_release

CLI = [sys.executable, "-m", "cmedbench.cli"]
ONE = RunConfig(workers=1)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("rel")
    rel = synth_release(root / "release", SynthConfig(subjects=3, scale=0.02, seed=5, max_emotion_frames=20,
                                                      max_no_me_frames=20), progress=False)
    samples = root / "samples.csv"
    r = subprocess.run(CLI + ["validate", str(rel), "--quiet", "--samples", str(samples)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return rel, samples


def test_all_stages(release, tmp_path):
    rel, samples = release
    clips = load_clips(samples, rel)
    assert any(c.apex_frame is None for c in clips) and all(c.apex_frame is None or isinstance(c.apex_frame, int)
                                                            for c in clips)
    lm = tmp_path / "landmarks.npz"
    summary = landmarks_stage(samples, rel, lm, run=ONE, progress=False)
    assert summary["ok"] == len(clips) and summary["status_counts"][0] == 3 * len(clips)
    z = np.load(lm)
    assert list(z["sample_id"]) == [c.sample_id for c in clips]
    assert z["points"].shape == (len(clips), 3, 68, 2) and np.isfinite(z["points"]).all()
    assert (z["key_frames"][:, 0] == 0).all()

    lbptop_stage(samples, rel, lm, tmp_path / "lbptop.npz", LbpTopConfig(size=64), RunConfig(workers=2),
                 progress=False)
    x = np.load(tmp_path / "lbptop.npz")
    assert x["X"].shape == (len(clips), 4425) and np.allclose(x["X"].reshape(len(clips), 25, 3, 59).sum(-1), 1)

    apex_stage(samples, rel, lm, tmp_path / "apex.npz", ApexConfig(size=96), ONE, progress=False)
    assert np.load(tmp_path / "apex.npz")["crops"].shape == (len(clips), 96, 96, 3)

    flow_stage(samples, rel, lm, tmp_path / "flow.npz", FlowConfig(sizes=(28, 60)), ONE, progress=False)
    f = np.load(tmp_path / "flow.npz")
    assert f["flow_28"].shape == (len(clips), 28, 28, 3) and f["flow_60"].shape == (len(clips), 60, 60, 3)

    graphs_stage(lm, tmp_path / "graphs.pt")
    graphs = load_graphs(tmp_path / "graphs.pt")
    assert len(graphs) == len(clips) and graphs[0].x.shape == (126, 7)
    assert {g.sample_id for g in graphs} == {c.sample_id for c in clips}

    deflection_stage(lm, samples, tmp_path / "d.csv", tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 1000 and len(pd.read_csv(tmp_path / "d.csv")) > 0


def test_bad_clip_is_recorded_and_rate_enforced(release, tmp_path):
    rel, samples = release
    bad_rel = tmp_path / "release"
    shutil.copytree(rel, bad_rel)
    victim = load_clips(samples, bad_rel)[0]
    with open(victim.path, "wb") as fh:
        fh.write(b"not a video")
    out = tmp_path / "landmarks.npz"
    landmarks_stage(samples, bad_rel, out, run=RunConfig(workers=1, max_failure_rate=0.5), progress=False)
    failures = pd.read_csv(failures_path(out))
    assert failures["sample_id"].tolist() == [victim.sample_id] and "cannot open" in failures["reason"][0]
    assert victim.sample_id not in set(np.load(out)["sample_id"])
    with pytest.raises(StageError, match="max_failure_rate"):
        landmarks_stage(samples, bad_rel, tmp_path / "again.npz", run=RunConfig(workers=1, max_failure_rate=0.0),
                        progress=False)
    # a stage downstream records the clip that has no landmarks
    lbptop_stage(samples, bad_rel, out, tmp_path / "lbptop.npz", LbpTopConfig(size=48),
                 RunConfig(workers=1, max_failure_rate=0.5), progress=False)
    assert "no landmarks" in pd.read_csv(failures_path(tmp_path / "lbptop.npz"))["reason"][0]


def test_stages_read_the_table_not_the_release(release, tmp_path):
    """Clips the table leaves out are not processed, whatever the release folder holds."""
    rel, samples = release
    table = read_sample_table(samples)
    fewer = tmp_path / "fewer.csv"
    write_sample_table(table.iloc[:4], fewer)
    landmarks_stage(fewer, rel, tmp_path / "lm.npz", run=ONE, progress=False)
    assert list(np.load(tmp_path / "lm.npz")["sample_id"]) == list(table["sample_id"].iloc[:4])


def test_metadata_only_table_is_refused(release, tmp_path):
    rel, samples = release
    meta_only = tmp_path / "meta.csv"
    write_sample_table(read_sample_table(samples).drop(columns=["path", "n_frames", "fps", "width", "height",
                                                                "sha256"]), meta_only)
    with pytest.raises(MetadataOnlyTable, match="metadata-only"):
        landmarks_stage(meta_only, rel, tmp_path / "lm.npz", run=ONE, progress=False)


def test_cli_names_the_fix_for_a_metadata_only_table(release, tmp_path):
    rel, samples = release
    meta_only = tmp_path / "meta.csv"
    write_sample_table(read_sample_table(samples)[["sample_id", "subject", "filename", "emotion", "apex_frame"]],
                       meta_only)
    r = subprocess.run(CLI + ["features", "landmarks", "--samples", str(meta_only), "--release", str(rel), "--out",
                              str(tmp_path / "lm.npz")], capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "without --metadata-only" in r.stderr and not (tmp_path / "lm.npz").exists()
