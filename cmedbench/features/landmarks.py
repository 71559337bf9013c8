"""dlib's 68 landmarks on frames, with a status per frame, and the paper's normalisation (Eq. 1-3).

Detection: HOG + linear SVM (dlib's frontal face detector, run with a lowered threshold so weak faces
are found and flagged); landmarks: the ERT shape predictor trained on 300-W
(``shape_predictor_68_face_landmarks.dat`` from the face-recognition-models package). In a clip the
face found on one frame seeds the next frame's box (tracking), and detection runs again every
``redetect_every`` frames or when the fit drifts: detection costs 7-11 ms a frame, a fit under 2 ms.
"""

from __future__ import annotations

import numpy as np

from .config import LandmarksConfig

OK, NO_FACE, MULTIPLE_FACES, LOW_CONFIDENCE = 0, 1, 2, 3
STATUS_NAMES = {OK: "ok", NO_FACE: "no_face", MULTIPLE_FACES: "multiple_faces", LOW_CONFIDENCE: "low_confidence"}

# The five base landmarks of Fig. 5 are drawn in the figure, not listed in the text; we use the nose
# bridge and tip (27, 28, 29, 30, 33), the points least moved by any expression.
BASE_LANDMARKS = (27, 28, 29, 30, 33)
FACE_WIDTH = (0, 16)  # jaw ends: the width of the face
# Regions of interest of Fig. 5 (eyebrows, eyes, mouth), as used by the DGCNN graphs.
ROI = tuple(range(17, 27)) + tuple(range(36, 48)) + tuple(range(48, 68))


def _models():
    from ..dlib_models import dlib_models

    return dlib_models()


def _fit(gray: np.ndarray, rect) -> np.ndarray:
    shape = _models()[1](gray, rect)
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


def detect(gray: np.ndarray, upsample: int = LandmarksConfig.upsample, threshold: float = -0.3):
    """(rectangle of the best face or None, status)."""
    detector = _models()[0]
    rects, scores, _ = detector.run(gray, upsample, threshold)
    if len(rects) == 0:
        return None, NO_FACE
    best = int(np.argmax([r.width() * r.height() for r in rects]))
    if len(rects) > 1:
        return rects[best], MULTIPLE_FACES
    return rects[best], (LOW_CONFIDENCE if scores[best] < 0 else OK)


def all_faces(image: np.ndarray, upsample: int = 1) -> list[np.ndarray]:
    """68 landmarks of every face dlib finds in one image (BGR or grey), largest first."""
    import cv2

    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    rects = sorted(_models()[0](gray, upsample), key=lambda r: -r.width() * r.height())
    return [_fit(gray, r) for r in rects]


def landmarks_on_frames(frames: list[np.ndarray], upsample: int = LandmarksConfig.upsample, track: bool = False,
                        redetect_every: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(n x 68 x 2 float32, NaN where no face; n status codes) for BGR or grey frames."""
    import cv2
    import dlib

    pts = np.full((len(frames), 68, 2), np.nan, dtype=np.float32)
    status = np.full(len(frames), NO_FACE, dtype=np.int8)
    prev = None
    for i, frame in enumerate(frames):
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if track and prev is not None and i % redetect_every:
            x0, y0 = prev.min(axis=0)
            x1, y1 = prev.max(axis=0)
            rect = dlib.rectangle(int(x0), int(y0 - 0.15 * (y1 - y0)), int(x1), int(y1))
            fit = _fit(gray, rect)
            drift = np.abs(fit - prev).mean() / max(x1 - x0, 1.0)
            if drift < 0.05:
                pts[i], status[i], prev = fit, OK, fit
                continue
        rect, st = detect(gray, upsample)
        status[i] = st
        if rect is not None:
            pts[i] = _fit(gray, rect)
            prev = pts[i]
        else:
            prev = None
    return pts, status


def normalise(points: np.ndarray) -> np.ndarray:
    """The paper's normalisation (Eq. 1-3): coordinates relative to the centroid of the base landmarks,
    divided by the face width. Works on (..., 68, 2) arrays."""
    points = np.asarray(points, dtype=np.float64)
    centroid = points[..., BASE_LANDMARKS, :].mean(axis=-2, keepdims=True)  # Eq. 1-3
    width = np.linalg.norm(points[..., FACE_WIDTH[1], :] - points[..., FACE_WIDTH[0], :], axis=-1)
    return (points - centroid) / width[..., None, None]
