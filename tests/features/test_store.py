"""Sharded feature artifacts: the same values as the single ``.npz`` (and as the one-array code they
replace), rows re-used by content key on re-runs, and the Dask backend giving the same artifact."""

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from cmedbench.baselines.registry import BASELINES
from cmedbench.baselines.runner import load_features
from cmedbench.features.clips import load_clips
from cmedbench.features.config import ApexConfig, FlowConfig, LandmarksConfig, LbpTopConfig, RunConfig
from cmedbench.features.stages import (StageError, _lbptop_one, apex_stage, flow_stage, landmarks_stage,
                                       lbptop_stage, load_landmarks)
from cmedbench.features.store import read_arrays, read_index
from cmedbench.release.sample_table import read_sample_table, write_sample_table
from cmedbench.synth.release import SynthConfig, synth_release

CLI = [sys.executable, "-m", "cmedbench.cli"]
SHARDED = RunConfig(workers=1, shard_rows=2)  # several shards even on a handful of clips


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("rel")
    rel = synth_release(root / "release", SynthConfig(subjects=3, scale=0.03, seed=11, max_emotion_frames=16,
                                                      max_no_me_frames=16), progress=False)
    samples = root / "samples.csv"
    r = subprocess.run(CLI + ["validate", str(rel), "--quiet", "--samples", str(samples)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return rel, samples


@pytest.fixture(scope="module")
def landmarks(release, tmp_path_factory):
    rel, samples = release
    root = tmp_path_factory.mktemp("lm")
    landmarks_stage(samples, rel, root / "landmarks.npz", run=RunConfig(workers=1), progress=False)
    landmarks_stage(samples, rel, root / "landmarks", run=SHARDED, progress=False)
    return root / "landmarks.npz", root / "landmarks"


def same(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        assert np.array_equal(a[k], b[k]), k


def test_landmark_store_reads_as_the_single_file(landmarks):
    npz, store = landmarks
    z = np.load(npz)
    assert list(z.files) == ["sample_id", "key_frames", "points", "status"]
    same({k: z[k] for k in z.files}, read_arrays(store))
    assert len(read_index(store)["shard"].unique()) > 1
    a, b = load_landmarks(npz), load_landmarks(store)
    assert list(a) == list(b) and all(np.array_equal(x, y) for s in a for x, y in zip(a[s], b[s]))


@pytest.mark.parametrize("stage, config", [(lbptop_stage, LbpTopConfig(size=48)), (apex_stage, ApexConfig(size=40)),
                                           (flow_stage, FlowConfig(sizes=(28, 60)))])
def test_clip_stage_store_equals_single_file(release, landmarks, tmp_path, stage, config):
    rel, samples = release
    npz_marks, store_marks = landmarks
    stage(samples, rel, npz_marks, tmp_path / "one.npz", config, RunConfig(workers=2), progress=False)
    summary = stage(samples, rel, store_marks, tmp_path / "sharded", config, SHARDED, progress=False)
    assert summary["computed"] == summary["n"] and summary["reused"] == 0
    z = np.load(tmp_path / "one.npz")
    same({k: z[k] for k in z.files}, read_arrays(tmp_path / "sharded"))


def test_single_file_equals_the_one_array_code(release, landmarks, tmp_path):
    """What the stage wrote before shards: one np.array over every clip's result, in table order."""
    rel, samples = release
    config = LbpTopConfig(size=48)
    marks = load_landmarks(landmarks[0])
    clips = [replace(c, marks=marks[c.sample_id]) for c in load_clips(samples, rel)]
    expected = np.array([_lbptop_one(c, config) for c in clips], dtype=np.float32)
    lbptop_stage(samples, rel, landmarks[0], tmp_path / "lbptop.npz", config, SHARDED, progress=False)
    z = np.load(tmp_path / "lbptop.npz")
    assert list(z["sample_id"]) == [c.sample_id for c in clips]
    assert z["X"].dtype == expected.dtype and np.array_equal(z["X"], expected)


def test_every_frame_landmarks_keep_their_offsets(release, tmp_path):
    rel, samples = release
    config = LandmarksConfig(frames="all")
    landmarks_stage(samples, rel, tmp_path / "all.npz", config, RunConfig(workers=1), progress=False)
    landmarks_stage(samples, rel, tmp_path / "all", config, SHARDED, progress=False)
    z = np.load(tmp_path / "all.npz")
    assert list(z.files) == ["sample_id", "key_frames", "points", "status", "all_offsets", "all_points", "all_status"]
    same({k: z[k] for k in z.files}, read_arrays(tmp_path / "all"))


def test_added_clips_are_the_only_ones_computed(release, landmarks, tmp_path):
    rel, samples = release
    table = read_sample_table(samples)
    first = tmp_path / "first.csv"
    write_sample_table(table.iloc[:-3], first)
    out = tmp_path / "lbptop"
    config = LbpTopConfig(size=48)
    s1 = lbptop_stage(first, rel, landmarks[1], out, config, SHARDED, progress=False)
    assert (s1["computed"], s1["reused"]) == (len(table) - 3, 0)
    s2 = lbptop_stage(samples, rel, landmarks[1], out, config, SHARDED, progress=False)
    assert (s2["computed"], s2["reused"]) == (3, len(table) - 3)
    fresh = tmp_path / "fresh"
    lbptop_stage(samples, rel, landmarks[1], fresh, config, SHARDED, progress=False)
    same(read_arrays(fresh), read_arrays(out))
    s3 = lbptop_stage(samples, rel, landmarks[1], out, replace(config, points=4), SHARDED, progress=False)
    assert s3["computed"] == len(table)  # another parameter: nothing re-usable


def test_a_changed_file_is_computed_again(release, landmarks, tmp_path):
    rel, samples = release
    table = read_sample_table(samples)
    out = tmp_path / "apex"
    apex_stage(samples, rel, landmarks[1], out, ApexConfig(size=40), SHARDED, progress=False)
    table.loc[table.index[0], "sha256"] = "0" * 64  # as if the file had been replaced
    changed = tmp_path / "changed.csv"
    write_sample_table(table, changed)
    s = apex_stage(changed, rel, landmarks[1], out, ApexConfig(size=40), SHARDED, progress=False)
    assert (s["computed"], s["reused"]) == (1, len(table) - 1)


def test_too_many_failures_leave_no_store(release, landmarks, tmp_path):
    rel, samples = release
    table = read_sample_table(samples)
    table["path"] = table["path"].str.replace(".mp4", ".missing.mp4", regex=False)
    broken = tmp_path / "broken.csv"
    write_sample_table(table, broken)
    with pytest.raises(StageError, match="clips failed"):
        apex_stage(broken, rel, landmarks[1], tmp_path / "apex", ApexConfig(size=40), SHARDED, progress=False)
    assert not (tmp_path / "apex").exists() and (tmp_path / "apex.failures.csv").is_file()


def test_baselines_read_either_layout(release, landmarks, tmp_path):
    rel, samples = release
    lbptop_stage(samples, rel, landmarks[0], tmp_path / "lbptop.npz", LbpTopConfig(size=48), SHARDED, progress=False)
    lbptop_stage(samples, rel, landmarks[1], tmp_path / "lbptop", LbpTopConfig(size=48), SHARDED, progress=False)
    ids = np.array(list(read_sample_table(samples)["sample_id"])[::-1] + ["not-there"])
    spec = BASELINES["lbptop-svm"]
    (x1, h1), (x2, h2) = load_features(spec, tmp_path / "lbptop.npz", ids), load_features(spec, tmp_path / "lbptop", ids)
    assert np.array_equal(h1, h2) and not h1[-1] and np.array_equal(x1, x2)


def test_dask_backend_gives_the_same_artifact(release, landmarks, tmp_path):
    distributed = pytest.importorskip("distributed")
    rel, samples = release
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        run = RunConfig(workers=2, backend="dask", scheduler=cluster.scheduler_address, shard_rows=3)
        summary = flow_stage(samples, rel, landmarks[1], tmp_path / "flow", FlowConfig(sizes=(28,)), run,
                             progress=False)
    assert summary["ok"] == summary["n"]
    flow_stage(samples, rel, landmarks[0], tmp_path / "flow.npz", FlowConfig(sizes=(28,)), RunConfig(workers=1),
               progress=False)
    z = np.load(tmp_path / "flow.npz")
    same({k: z[k] for k in z.files}, read_arrays(tmp_path / "flow"))
