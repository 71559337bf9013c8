"""dlib landmarks on real photographs (../shared/realfaces) and on our synthetic clips.

Accuracy is the normalised mean error (NME) that docs/features.md states: the mean point-to-point
distance to dlib's stored landmarks divided by the distance between the eye centres (the means of
landmarks 36-41 and 42-47).
"""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from cmedbench.features.landmarks import MULTIPLE_FACES, NO_FACE, OK, STATUS_NAMES, all_faces, landmarks_on_frames

# ../shared/realfaces beside the checkout; CMEDBENCH_REALFACES points elsewhere (a worktree, say).
REAL = Path(os.environ.get("CMEDBENCH_REALFACES", Path(__file__).resolve().parents[3] / "shared" / "realfaces"))
PHOTOS = ["2007_007763", "2008_001009", "2008_001322", "2008_002079", "2008_002470", "2008_002506", "2008_004176",
          "2008_007676", "2009_004587"]
MAX_NME, MEAN_NME = 0.07, 0.03
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is not present")


def stored_faces():
    faces = {}
    for name in ("training_with_face_landmarks.xml", "testing_with_face_landmarks.xml"):
        for image in ET.parse(REAL / "landmarks" / name).getroot().iter("image"):
            stem = Path(image.get("file")).stem
            faces[stem] = [np.array([[float(p.get("x")), float(p.get("y"))] for p in sorted(
                box.iter("part"), key=lambda p: int(p.get("name")))]) for box in image.iter("box")]
    return faces


def eye_centre_distance(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[36:42].mean(axis=0) - points[42:48].mean(axis=0)))


def nme(ours: np.ndarray, truth: np.ndarray) -> float:
    return float(np.linalg.norm(ours - truth, axis=1).mean() / eye_centre_distance(truth))


def image(name: str):
    import cv2

    return cv2.imread(str(REAL / "images" / name))


@needs_real
def test_landmarks_match_dlibs_stored_ones():
    stored, errors = stored_faces(), []
    for stem in PHOTOS:
        ours = all_faces(image(f"dlib_{stem}.jpg"), upsample=1)
        assert len(ours) == len(stored[stem]), f"{stem}: {len(ours)} faces found, {len(stored[stem])} labelled"
        for truth in stored[stem]:
            best = min(ours, key=lambda p: np.linalg.norm(p.mean(axis=0) - truth.mean(axis=0)))
            errors.append((stem, nme(best, truth)))
    assert len(errors) == 43
    worst = max(errors, key=lambda e: e[1])
    assert worst[1] < MAX_NME, f"{worst[0]}: NME {worst[1]:.3f}"
    assert np.mean([e for _, e in errors]) < MEAN_NME


@needs_real
@pytest.mark.parametrize("name, status", [("pyfeat_free-mountain-vector-01.jpg", NO_FACE), ("dlib_dogs.jpg", NO_FACE),
                                          ("pyfeat_single_face.jpg", OK), ("pyfeat_multi_face.jpg", MULTIPLE_FACES)])
def test_status_of_each_kind_of_image(name, status):
    pts, st = landmarks_on_frames([image(name)])
    assert st.tolist() == [status], f"{name}: {STATUS_NAMES[int(st[0])]}, expected {STATUS_NAMES[status]}"
    assert np.isnan(pts).all() == (status == NO_FACE)  # landmarks exactly where a face was found


def test_tracking_agrees_with_detection_on_a_synthetic_clip():
    from cmedbench.synth.face import draw_identity, make_subject
    from cmedbench.synth.clip import clip_frames, plan_clip

    subject = make_subject(draw_identity(np.random.default_rng(4)), 4)
    frames = list(clip_frames(subject, plan_clip("surprise", 30, 9)))
    det, st_det = landmarks_on_frames(frames)
    trk, st_trk = landmarks_on_frames(frames, track=True, redetect_every=10)
    assert (st_det == OK).all() and (st_trk == OK).all()
    err = max(nme(t, d) for t, d in zip(trk, det))
    assert err < 0.03, err
