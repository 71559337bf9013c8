"""The ROI spotter's motion: optical flow in small regions of interest placed on dlib's 68 landmarks,
with the head's own movement taken out, the way MEGC's optical-flow spotters do: MDMD (Wang, Wu, Qian,
Li and Fu, Neurocomputing 230, 2017: flow of frame i against frame i - k in face blocks, the largest
difference in the main direction), the MEGC 2020 spotting baseline built on it (He et al.,
arXiv:1912.11985: single-frame peaks turned into intervals), and SOFTNet (Liong et al., 2021: flow of
frame i against i + k, eye regions masked against blinks, peaks above mean + p (max - mean), interval
[peak - k, peak + k]).

Per video: landmarks once on the first frame where dlib finds a face; the face box is cut from every
frame and resized so the inter-ocular distance (IOD) is ``iod_px`` pixels (24 by default: the synthetic
MEs stay 0.5 to 1.3 px; the same scale in every
video and dataset). Per frame t >= k: Farneback flow from frame t - k to t over the face box; the
head's movement is an affine motion (translation, roll, scale) fitted by trimmed least squares to the
whole box (an ME moves a few small regions, the head all of it), subtracted at each ROI's centre; each
ROI's value is the length of its mean residual flow vector (averaging vectors, not lengths, so
uncorrelated noise cancels).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .signal import SignalError

# Regions of interest: name -> landmark indices whose mean is the region's centre (dlib / iBUG 300-W,
# image-left is the subject's right). Eyes are left out: a blink moves them far more than an ME.
ROIS: dict[str, tuple[int, ...]] = {
    "brow_right": (19, 20, 21),
    "brow_left": (22, 23, 24),
    "mouth_corner_right": (48,),
    "mouth_corner_left": (54,),
    "upper_lip": (50, 51, 52),
    "lower_lip": (56, 57, 58),
    "cheek_right": (40, 41, 31),
    "cheek_left": (46, 47, 35),
}
ROI_RADIUS_IOD = 0.18  # half the side of each square ROI, in IOD
FARNEBACK = (0.5, 3, 11, 2, 5, 1.1, 0)  # pyr_scale, levels, winsize, iterations, poly_n, poly_sigma, flags


@dataclass(frozen=True)
class FaceVideo:
    """A video's face box, every frame cut and resized, and its landmarks in the resized box's pixels."""

    frames: np.ndarray  # frames x h x w, uint8 grey
    landmarks: np.ndarray  # 68 x 2
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the video's pixels
    scale: float  # resized px per video px
    detected: bool  # False: dlib found no face; the landmarks were fitted to the central square


def inter_ocular(landmarks: np.ndarray) -> float:
    return float(np.linalg.norm(landmarks[36:42].mean(0) - landmarks[42:48].mean(0)))


def find_landmarks(frames, tries: int = 5) -> tuple[np.ndarray, bool]:
    """68 landmarks (x, y) of the largest face in the first of ``tries`` evenly spaced frames that has
    one, and True; when none has (a face too small for dlib's detector, under about 40 px), the shape
    predictor fitted to the first frame's central square, and False."""
    import dlib

    from ..dlib_models import dlib_models

    detector, predictor = dlib_models()
    for t in np.linspace(0, len(frames) - 1, min(tries, len(frames))).astype(int):
        faces = detector(frames[t], 1)
        if faces:
            face = max(faces, key=lambda r: r.area())
            return np.array([[p.x, p.y] for p in predictor(frames[t], face).parts()], float), True
    h, w = frames[0].shape[:2]
    side = min(h, w)
    x0, y0 = (w - side) // 2, (h - side) // 2
    square = dlib.rectangle(x0, y0, x0 + side - 1, y0 + side - 1)
    return np.array([[p.x, p.y] for p in predictor(frames[0], square).parts()], float), False


def face_box(landmarks: np.ndarray, height: int, width: int) -> tuple[int, int, int, int]:
    """The landmarks' box, widened by 0.3 IOD at the sides, 0.5 above the brows, 0.2 below the chin."""
    iod = inter_ocular(landmarks)
    x0 = int(max(landmarks[:, 0].min() - 0.3 * iod, 0))
    x1 = int(min(landmarks[:, 0].max() + 0.3 * iod, width))
    y0 = int(max(landmarks[17:27, 1].min() - 0.5 * iod, 0))
    y1 = int(min(landmarks[:, 1].max() + 0.2 * iod, height))
    return x0, y0, x1, y1


def cut_face(frames: np.ndarray, where: str, iod_px: float = 24.0) -> FaceVideo:
    """The face box of grey ``frames`` (frames x h x w), resized to ``iod_px`` px between the eyes."""
    import cv2

    if not len(frames):
        raise SignalError(f"{where}: no frames")
    landmarks, detected = find_landmarks(frames)
    if inter_ocular(landmarks) < 2:
        raise SignalError(f"{where}: no face shape could be placed (eyes {inter_ocular(landmarks):.1f} px apart)")
    x0, y0, x1, y1 = face_box(landmarks, *frames[0].shape[:2])
    scale = iod_px / max(inter_ocular(landmarks), 1e-6)
    size = (max(int(round((x1 - x0) * scale)), 8), max(int(round((y1 - y0) * scale)), 8))
    cut = np.stack([cv2.resize(f[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA) for f in frames])
    return FaceVideo(cut, (landmarks - (x0, y0)) * scale, (x0, y0, x1, y1), scale, detected)


class FrameImages:
    """The grey frames of a frame clip (frame list or folder), read when asked for, so a long real video
    (thousands of full-size images) is never held whole."""

    def __init__(self, paths: list[Path]):
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> np.ndarray:
        import cv2

        from ..release.frames import FrameSequenceError, read_image

        try:
            return cv2.cvtColor(read_image(self.paths[i]), cv2.COLOR_BGR2GRAY)
        except FrameSequenceError as exc:
            raise SignalError(str(exc)) from None

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def read_grey(path: str | Path):
    """Every frame of a video, grey: a frames x h x w uint8 array for a video file, a ``FrameImages``
    (read on demand) for a frame list or folder."""
    import cv2

    from ..release.frames import FrameSequenceError, clip_frames, is_frame_clip

    if is_frame_clip(path):
        try:
            return FrameImages(clip_frames(path))
        except FrameSequenceError as exc:
            raise SignalError(str(exc)) from None
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise SignalError(f"{path}: not a readable video")
    frames = []
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    finally:
        cap.release()
    if not frames:
        raise SignalError(f"{path}: no frames")
    return np.stack(frames)


def _roi_boxes(landmarks: np.ndarray, h: int, w: int) -> list[tuple[int, int, int, int, float, float]]:
    """(y0, y1, x0, x1, cx, cy) per ROI, clipped to the box."""
    r = max(int(round(ROI_RADIUS_IOD * inter_ocular(landmarks))), 1)
    out = []
    for idx in ROIS.values():
        cx, cy = landmarks[list(idx)].mean(0)
        x, y = int(round(cx)), int(round(cy))
        x0, x1, y0, y1 = max(x - r, 0), min(x + r + 1, w), max(y - r, 0), min(y + r + 1, h)
        out.append((y0, y1, x0, x1, (x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2))
    return out


def head_motion(flow: np.ndarray, stride: int = 3, keep: float = 0.8) -> np.ndarray:
    """3 x 2 affine coefficients (x, y, 1 -> u, v) fitted to ``flow`` on a grid of every ``stride``-th
    pixel, refitted once on the ``keep`` fraction that fits best (the regions an expression moves drop out)."""
    h, w = flow.shape[:2]
    ys, xs = np.mgrid[0:h:stride, 0:w:stride]
    a = np.column_stack([xs.ravel(), ys.ravel(), np.ones(xs.size)]).astype(float)
    f = flow[::stride, ::stride].reshape(-1, 2).astype(float)
    coef = np.linalg.lstsq(a, f, rcond=None)[0]
    residual = np.hypot(*(f - a @ coef).T)
    good = residual <= np.quantile(residual, keep)
    return np.linalg.lstsq(a[good], f[good], rcond=None)[0]


def roi_motion(face: FaceVideo, k: int) -> np.ndarray:
    """frames x ROIs: length of each ROI's mean flow from frame t - k to t, head movement removed
    (rows t < k are 0)."""
    import cv2

    frames = face.frames
    n, h, w = frames.shape
    boxes = _roi_boxes(face.landmarks, h, w)
    out = np.zeros((n, len(boxes)), np.float32)
    for t in range(k, n):
        flow = cv2.calcOpticalFlowFarneback(frames[t - k], frames[t], None, *FARNEBACK)
        coef = head_motion(flow)
        for j, (y0, y1, x0, x1, cx, cy) in enumerate(boxes):
            mean = flow[y0:y1, x0:x1].reshape(-1, 2).mean(0) - np.array([cx, cy, 1.0]) @ coef
            out[t, j] = np.hypot(*mean)
    return out


def normalise(motion: np.ndarray, k: int) -> np.ndarray:
    """Each ROI's column on a common scale: (value - median) / (90th percentile - median) over frames
    t >= k, floored at 0, so one noisy region does not drown the others."""
    z = np.zeros_like(motion, dtype=np.float32)
    if len(motion) <= k:
        return z
    body = motion[k:]
    med = np.median(body, axis=0)
    spread = np.quantile(body, 0.9, axis=0) - med
    z[k:] = np.maximum((body - med) / np.maximum(spread, 1e-6), 0)
    return z
