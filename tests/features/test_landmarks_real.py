"""dlib landmarks on real photographs (../shared/realfaces) and on our synthetic clips."""

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from cmedbench.features.landmarks import OK, all_faces, landmarks_on_frames

REAL = Path(__file__).resolve().parents[3] / "shared" / "realfaces"
WELL_BEHAVED = ["2007_007763", "2008_001009", "2008_001322", "2008_002470", "2008_002506", "2008_004176",
                "2008_007676", "2009_004587"]  # the ninth, 2008_002079, has three known misses


def stored_faces():
    faces = {}
    for name in ("training_with_face_landmarks.xml", "testing_with_face_landmarks.xml"):
        for image in ET.parse(REAL / "landmarks" / name).getroot().iter("image"):
            stem = Path(image.get("file")).stem
            faces[stem] = [np.array([[float(p.get("x")), float(p.get("y"))] for p in sorted(
                box.iter("part"), key=lambda p: int(p.get("name")))]) for box in image.iter("box")]
    return faces


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realfaces is not present")
@pytest.mark.parametrize("stem", WELL_BEHAVED)
def test_landmarks_match_dlibs_stored_ones(stem):
    import cv2

    image = cv2.imread(str(REAL / "images" / f"dlib_{stem}.jpg"))
    ours = all_faces(image, upsample=1)
    for truth in stored_faces()[stem]:
        centre = truth.mean(axis=0)
        best = min(ours, key=lambda p: np.linalg.norm(p.mean(axis=0) - centre))
        iod = np.linalg.norm(truth[36] - truth[45])
        nme = np.linalg.norm(best - truth, axis=1).mean() / iod
        assert nme < 0.06, f"{stem}: NME {nme:.3f}"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realfaces is not present")
def test_no_face_on_a_faceless_image():
    import cv2

    image = cv2.imread(str(REAL / "images" / "pyfeat_free-mountain-vector-01.jpg"))
    pts, status = landmarks_on_frames([image])
    assert status[0] != OK or np.isnan(pts).all()


def test_tracking_agrees_with_detection_on_a_synthetic_clip():
    from cmedbench.synth.face import draw_identity, make_subject
    from cmedbench.synth.clip import clip_frames, plan_clip

    subject = make_subject(draw_identity(np.random.default_rng(4)), 4)
    frames = list(clip_frames(subject, plan_clip("surprise", 30, 9)))
    det, st_det = landmarks_on_frames(frames)
    trk, st_trk = landmarks_on_frames(frames, track=True, redetect_every=10)
    assert (st_det == OK).all() and (st_trk == OK).all()
    iod = np.linalg.norm(det[:, 36] - det[:, 45], axis=1)
    err = (np.linalg.norm(trk - det, axis=2).mean(axis=1) / iod).max()
    assert err < 0.03, err
