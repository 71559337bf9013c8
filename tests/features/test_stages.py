"""Feature stages over a small synthetic release: artifacts keyed by sample_id, failures recorded."""

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cmedbench.features.stages import (StageError, apex_stage, deflection_stage, failures_path, flow_stage,
                                       graphs_stage, landmarks_stage, lbptop_stage, load_graphs, load_index)
from cmedbench.synth.release import SynthConfig, synth_release

CLI = [sys.executable, "-m", "cmedbench.cli"]


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("rel")
    rel = synth_release(root / "release", SynthConfig(subjects=3, scale=0.02, seed=5, max_emotion_frames=20,
                                                      max_no_me_frames=20), progress=False)
    r = subprocess.run(CLI + ["index", str(rel), "--out", str(root / "index.csv")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return rel, root / "index.csv"


def test_all_stages(release, tmp_path):
    rel, index = release
    clips = load_index(index, rel)
    lm = tmp_path / "landmarks.npz"
    summary = landmarks_stage(clips, lm, workers=1, progress=False)
    assert summary["ok"] == len(clips) and summary["status_counts"][0] == 3 * len(clips)
    z = np.load(lm)
    assert list(z["sample_id"]) == [c.sample_id for c in clips]
    assert z["points"].shape == (len(clips), 3, 68, 2) and np.isfinite(z["points"]).all()
    assert (z["key_frames"][:, 0] == 0).all()

    lbptop_stage(clips, lm, tmp_path / "lbptop.npz", size=64, workers=2, progress=False)
    x = np.load(tmp_path / "lbptop.npz")
    assert x["X"].shape == (len(clips), 4425) and np.allclose(x["X"].reshape(len(clips), 25, 3, 59).sum(-1), 1)

    apex_stage(clips, lm, tmp_path / "apex.npz", size=96, workers=1, progress=False)
    assert np.load(tmp_path / "apex.npz")["crops"].shape == (len(clips), 96, 96, 3)

    flow_stage(clips, lm, tmp_path / "flow.npz", sizes=(28, 60), workers=1, progress=False)
    f = np.load(tmp_path / "flow.npz")
    assert f["flow_28"].shape == (len(clips), 28, 28, 3) and f["flow_60"].shape == (len(clips), 60, 60, 3)

    graphs_stage(lm, tmp_path / "graphs.pt")
    graphs = load_graphs(tmp_path / "graphs.pt")
    assert len(graphs) == len(clips) and graphs[0].x.shape == (126, 7)
    assert {g.sample_id for g in graphs} == {c.sample_id for c in clips}

    deflection_stage(lm, index, tmp_path / "d.csv", tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 1000 and len(pd.read_csv(tmp_path / "d.csv")) > 0


def test_bad_clip_is_recorded_and_rate_enforced(release, tmp_path):
    rel, index = release
    bad_rel = tmp_path / "release"
    shutil.copytree(rel, bad_rel)
    clips = load_index(index, bad_rel)
    victim = clips[0]
    with open(victim.path, "wb") as fh:
        fh.write(b"not a video")
    out = tmp_path / "landmarks.npz"
    landmarks_stage(clips, out, workers=1, max_failure_rate=0.5, progress=False)
    failures = pd.read_csv(failures_path(out))
    assert failures["sample_id"].tolist() == [victim.sample_id] and "cannot open" in failures["reason"][0]
    assert victim.sample_id not in set(np.load(out)["sample_id"])
    with pytest.raises(StageError, match="max_failure_rate"):
        landmarks_stage(clips, tmp_path / "again.npz", workers=1, max_failure_rate=0.0, progress=False)
    # a stage downstream records the clip that has no landmarks
    lbptop_stage(clips, out, tmp_path / "lbptop.npz", size=48, workers=1, max_failure_rate=0.5, progress=False)
    assert "no landmarks" in pd.read_csv(failures_path(tmp_path / "lbptop.npz"))["reason"][0]
