"""The embedded default: counts, rendering, truth, determinism, bad requests, and real signal."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cmedbench.release.profiles import load_profile
from cmedbench.release.validate import validate_release
from cmedbench.atomic import OutputExists
from cmedbench.synth.distribution import scaled_counts
from cmedbench.synth.release import SynthConfig, synth_release

CLI = [sys.executable, "-m", "cmedbench.cli"]
SMALL = SynthConfig(subjects=3, scale=0.02, seed=7, max_emotion_frames=24, max_no_me_frames=30)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return synth_release(tmp_path_factory.mktemp("s") / "release", SMALL, progress=False)


def decoded(path):
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            return np.array(frames)
        frames.append(f)


def test_scaled_counts_keep_every_class_and_table_v_at_scale_one():
    assert scaled_counts(74, 1.0).to_numpy().sum() == 10924
    assert (scaled_counts(74, 1.0) == load_profile("cmed-v1").subject_counts).all().all()
    c = scaled_counts(12, 0.036)
    assert (c.sum() > 0).all() and (c.sum(axis=1) > 0).all()
    assert c["happiness"].sum() > 10 * c["fear"].sum()  # rare classes stay rare


def test_small_release_passes_validate_with_its_own_profile(small):
    profile = load_profile(small / "profile.yaml")
    result = validate_release(small, profile, deep=True)
    assert result.report.valid, result.report.errors[:5]
    statuses = {c.name: c.status for c in result.report.checks}
    assert statuses["profile.frames"] == "pass" and statuses["profile.subjects"] == "pass"
    t = result.table
    assert (t["fps"] == 25).all() and (t["width"] == 300).all() and (t["height"] == 300).all()


def test_truth_side_car_agrees_with_the_csv(small):
    meta = pd.read_csv(small / "video_emotion_metadata.csv")
    truth = pd.read_csv(small / "synth_truth.csv")
    assert len(meta) == len(truth)
    emo = {"Happy": "happiness", "Sad": "sadness", "No_Emotion": "no-me", "Anger": "anger", "Disgust": "disgust",
           "Fear": "fear", "Surprise": "surprise"}
    m = meta.assign(emotion=meta["emotion"].map(emo), subject=meta["subject"].str.replace("Subject_", "sub_"))
    merged = m.merge(truth, on=["subject", "filename"], suffixes=("", "_truth"))
    assert len(merged) == len(meta)
    assert (merged["emotion"] == merged["emotion_truth"]).all()
    assert merged["apex_frame"].fillna(-1).equals(merged["apex_frame_truth"].fillna(-1))
    me = merged[merged["emotion"] != "no-me"]
    assert (me["aus"].str.len() > 0).all() and (me["onset"] <= me["apex_frame"]).all()
    assert (me["apex_frame"] <= me["offset"]).all() and (me["offset"] - me["onset"] <= 12).all()
    assert merged["id_eye_size"].notna().all()


def test_same_seed_same_bytes(small, tmp_path):
    again = synth_release(tmp_path / "again", SMALL, progress=False)
    assert (again / "video_emotion_metadata.csv").read_bytes() == (small / "video_emotion_metadata.csv").read_bytes()
    assert (again / "synth_truth.csv").read_bytes() == (small / "synth_truth.csv").read_bytes()
    vids = sorted((small / "FinalFullVideos_subjects").rglob("*.mp4"))[:3]
    for v in vids:
        w = again / v.relative_to(small)
        assert np.array_equal(decoded(v), decoded(w))


def test_dlib_finds_one_face_and_fits_landmarks(small):
    from cmedbench.dlib_models import dlib_models

    detector, predictor = dlib_models()
    import cv2

    frames = []
    for v in sorted((small / "FinalFullVideos_subjects").rglob("*.mp4"))[:8]:
        frames += list(decoded(v)[::4])
    ok = 0
    for f in frames:
        gray = cv2.cvtColor(f, cv2.COLOR_BGR2GRAY)
        faces = detector(gray, 0)
        if len(faces) == 1 and predictor(gray, faces[0]).num_parts == 68:
            ok += 1
    assert ok / len(frames) >= 0.95, f"{ok}/{len(frames)}"


@pytest.mark.parametrize("args,needle", [
    (["--subjects", "75"], "between 1 and 74"), (["--scale", "0"], "positive"), (["--scale", "-1"], "positive"),
    (["--max-emotion-frames", "2"], "'--max-emotion-frames'"),
])
def test_impossible_requests(tmp_path, args, needle):
    r = subprocess.run(CLI + ["synth", "release", str(tmp_path / "o"), "--metadata-only"] + args,
                       capture_output=True, text=True)
    assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(OutputExists):
        synth_release(out, SMALL, metadata_only=True)
    assert (out / "keep.txt").read_text() == "mine"
    synth_release(out, SMALL, metadata_only=True, force=True)
    assert not (out / "keep.txt").exists() and (out / "video_emotion_metadata.csv").exists()


def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch):
    import cmedbench.synth.release as rel

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(rel, "render_all", boom)
    with pytest.raises(KeyboardInterrupt):
        synth_release(tmp_path / "o", SMALL)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_landmark_motion_carries_class_signal(tmp_path):
    """dlib landmarks on the rendered onset and apex frames (not the truth file) separate the 3 classes."""
    import cv2
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from cmedbench.dlib_models import dlib_models

    subs = [f"sub_{i:02d}" for i in range(1, 9)]
    counts = pd.DataFrame({"happiness": 6, "surprise": 6, "anger": 2, "disgust": 2, "sadness": 1, "fear": 1,
                           "no-me": 1}, index=subs)
    root = synth_release(tmp_path / "r", SynthConfig(seed=3, max_emotion_frames=40, max_no_me_frames=20),
                         counts=counts, progress=False)
    result = validate_release(root, load_profile("none"))
    detector, predictor = dlib_models()

    def landmarks(frame):
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        faces = detector(gray, 0)
        return None if not faces else np.array([[p.x, p.y] for p in predictor(gray, faces[0]).parts()], float)

    X, y, g = [], [], []
    three = {"happiness": "positive", "surprise": "surprise"}
    for r in result.table[result.table["emotion"] != "no-me"].itertuples():
        frames = decoded(root / r.path)
        a, b = landmarks(frames[0]), landmarks(frames[int(r.apex_frame)])
        if a is None or b is None:
            continue
        iod = np.linalg.norm(a[36:42].mean(0) - a[42:48].mean(0))
        X.append((((b - b[27:36].mean(0)) - (a - a[27:36].mean(0))) / iod).ravel())
        y.append(three.get(r.emotion, "negative"))
        g.append(r.subject)
    X, y, g = np.array(X), np.array(y), np.array(g)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000, class_weight="balanced"))
    uar = balanced_accuracy_score(y, cross_val_predict(clf, X, y, groups=g, cv=LeaveOneGroupOut()))
    shuffled = np.random.default_rng(0).permutation(y)
    uar_shuffled = balanced_accuracy_score(shuffled, cross_val_predict(clf, X, shuffled, groups=g,
                                                                       cv=LeaveOneGroupOut()))
    assert uar > 0.55, uar  # chance is 1/3
    assert uar_shuffled < 0.48, uar_shuffled
