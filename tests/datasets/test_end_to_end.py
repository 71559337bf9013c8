"""End to end: clips of a synthetic release written as CASME II frame folders (lossless PNG), imported,
validated, and run through the feature stages: every stage gives the same numbers on the frame
folders as on the video files they came from (image sequences are first-class clips)."""

import subprocess
import sys

import numpy as np
import pytest

from cmedbench.datasets.importer import import_dataset
from cmedbench.features.config import FlowConfig, LbpTopConfig, RunConfig
from cmedbench.features.stages import flow_stage, landmarks_stage, lbptop_stage
from cmedbench.features.video import read_frames
from cmedbench.release.sample_table import read_sample_table, write_sample_table
from cmedbench.synth.release import SynthConfig, synth_release

ONE = RunConfig(workers=1)
FIRST = 100  # CASME II numbers frames from the recording's start, not from 0


@pytest.fixture(scope="module")
def pair(tmp_path_factory, layouts):
    root = tmp_path_factory.mktemp("e2e")
    rel = synth_release(root / "release", SynthConfig(subjects=2, scale=0.02, seed=5, max_emotion_frames=14,
                                                      max_no_me_frames=14), progress=False)
    samples = root / "samples.csv"
    r = subprocess.run([sys.executable, "-m", "cmedbench.cli", "validate", str(rel), "--quiet", "--samples",
                        str(samples)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    table = read_sample_table(samples)
    picked = table[table["emotion"] != "no-me"].head(3)
    write_sample_table(picked, root / "picked.csv")
    rows = []
    for i, (_, row) in enumerate(picked.iterrows()):
        frames = read_frames(rel / row["path"])
        clip = f"EP{i + 1:02d}_01"
        subject = int(row["subject"].split("_")[1])
        layouts["frames"](root / "casme2" / "CASME2_RAW_selected" / f"sub{subject:02d}" / clip,
                          range(FIRST, FIRST + len(frames)), "img{}.png", images=frames)
        rows.append([subject, clip, None, FIRST, FIRST + int(row["apex_frame"]), FIRST + len(frames) - 1, None,
                     "4+L12", {"happiness": "happiness", "surprise": "surprise"}.get(row["emotion"], "disgust")])
    from tests.datasets.conftest import CASME2_HEADER, _xlsx

    _xlsx(root / "casme2" / "CASME2-coding-20140508.xlsx", [CASME2_HEADER] + rows)
    result = import_dataset("casme2", root / "casme2", root / "imported", profile="none")
    assert result.report.valid, [p.message for p in result.report.problems]
    return (root / "picked.csv", rel), (result.samples, root / "imported")


def test_imported_clips_match_the_videos(pair):
    (vs, vrel), (fs, frel) = pair
    videos, imported = read_sample_table(vs), read_sample_table(fs)
    assert imported["n_frames"].tolist() == videos["n_frames"].tolist()
    assert imported["apex_frame"].tolist() == videos["apex_frame"].tolist()
    for (_, v), (_, f) in zip(videos.iterrows(), imported.iterrows()):
        a, b = read_frames(vrel / v["path"]), read_frames(frel / f["path"])
        assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
        keys = [0, int(v["apex_frame"]), len(a) - 1]
        got = read_frames(frel / f["path"], keys)
        assert all(np.array_equal(got[k], a[k]) for k in keys)


def test_feature_stages_give_the_same_numbers(pair, tmp_path):
    out = {}
    for name, (samples, rel) in zip(("video", "frames"), pair):
        lm = tmp_path / f"{name}-landmarks.npz"
        assert landmarks_stage(samples, rel, lm, run=ONE, progress=False)["ok"] == 3
        lbptop_stage(samples, rel, lm, tmp_path / f"{name}-lbptop.npz", LbpTopConfig(size=64), ONE, progress=False)
        flow_stage(samples, rel, lm, tmp_path / f"{name}-flow.npz", FlowConfig(sizes=(28,)), ONE, progress=False)
        out[name] = (np.load(lm), np.load(tmp_path / f"{name}-lbptop.npz"), np.load(tmp_path / f"{name}-flow.npz"))
    (lv, xv, fv), (lf, xf, ff) = out["video"], out["frames"]
    assert np.array_equal(lv["key_frames"], lf["key_frames"]) and np.array_equal(lv["points"], lf["points"])
    assert np.array_equal(xv["X"], xf["X"]) and np.array_equal(fv["flow_28"], ff["flow_28"])
    assert list(xf["sample_id"]) == read_sample_table(pair[1][0])["sample_id"].tolist()
