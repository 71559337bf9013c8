"""Synthetic subjects made from one real photograph: scikit-image's ``astronaut.png`` (public domain, NASA).

The face is found and its 68 landmarks fitted by dlib once; each subject is then a landmark-driven
thin-plate warp of that face (face width, eye spacing and size, jaw, nose, mouth, forehead: children's
proportions have larger eyes and forehead), re-toned skin, tinted hair and clothes, its own
background, lighting direction, colour cast, scale and head roll. Expression and motion fields are
precomputed per subject so rendering a frame is one weighted sum and one ``cv2.remap``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from ..dlib_models import dlib_models
from .expressions import AUS, au_displacement, blink_displacement, talk_displacement

SIZE = 300  # CMED clips are 300x300 (paper, Section III-B)
_GRID = 61  # control grid for dense fields: every 5 px, then resized to SIZE


@lru_cache(maxsize=1)
def source_face() -> tuple[np.ndarray, np.ndarray]:
    """The astronaut's face cropped and scaled so it sits centred in a 300x300 tile (RGB float32, 68x2)."""
    import cv2
    import dlib
    from skimage import data

    img = data.astronaut()
    detector, predictor = dlib_models()
    faces = sorted(detector(img, 1), key=lambda r: r.width() * r.height(), reverse=True)
    if not faces:
        raise RuntimeError("dlib found no face in skimage's astronaut image")
    box = faces[0]
    pts = np.array([[p.x, p.y] for p in predictor(img, dlib.rectangle(box.left(), box.top(), box.right(),
                                                                      box.bottom())).parts()], dtype=np.float64)
    centre = pts[[36, 45, 48, 54, 8, 19, 24]].mean(axis=0) + np.array([0.0, -6.0])
    width = np.ptp(pts[:, 0])
    side = 2.05 * width  # face (jaw width) fills about half of the tile, as in the paper's tile crops
    scale = SIZE / side
    m = np.array([[scale, 0, SIZE / 2 - scale * centre[0]], [0, scale, SIZE / 2 - scale * centre[1]]])
    face = cv2.warpAffine(img, m, (SIZE, SIZE), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return face.astype(np.float32) / 255.0, pts @ m[:, :2].T + m[:, 2]


@lru_cache(maxsize=1)
def neutral_source() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The source face with its open smile painted closed, its landmarks, and where the warp moves them
    to put the face at rest (``neutral.py``): every subject starts from a neutral expression."""
    from .neutral import closed_mouth, neutral_landmarks

    face, pts = source_face()
    return closed_mouth(face, pts), pts, neutral_landmarks(pts)


@dataclass(frozen=True)
class Identity:
    """Everything that makes one synthetic subject look like themselves (recorded in the truth file)."""

    face_width: float
    jaw_length: float
    eye_spacing: float
    eye_size: float
    nose_length: float
    nose_width: float
    mouth_width: float
    forehead: float  # px the features move down (larger forehead)
    skin_lab: tuple[float, float, float]  # L, a, b shift of the skin
    hair_gain: tuple[float, float, float]
    clothes_hue: float  # degrees of hue rotation of the clothes
    background: tuple[float, float, float]  # RGB 0..1 of the wall
    light_angle: float  # radians, direction the light comes from
    light_strength: float
    colour_cast: tuple[float, float, float]
    scale: float
    roll: float  # degrees
    shift: tuple[float, float]

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


# Natural hair colours as RGB gains on the source's brown hair: black, dark brown, light brown,
# blond, auburn.
HAIR = ((0.35, 0.33, 0.32), (0.7, 0.6, 0.5), (1.1, 1.0, 0.85), (1.35, 1.2, 0.8), (1.15, 0.75, 0.55))


def draw_identity(rng: np.random.Generator) -> Identity:
    u = rng.uniform
    return Identity(
        face_width=u(0.9, 1.12), jaw_length=u(0.88, 1.03), eye_spacing=u(0.93, 1.08), eye_size=u(1.05, 1.3),
        nose_length=u(0.82, 1.0), nose_width=u(0.85, 1.08), mouth_width=u(0.85, 1.08), forehead=u(0.0, 7.0),
        skin_lab=(u(-22, 12), u(-4, 10), u(-6, 16)),
        hair_gain=tuple(float(v) for v in np.array(HAIR[rng.integers(len(HAIR))]) * u(0.9, 1.1)),
        clothes_hue=u(0, 180), background=tuple(float(v) for v in 0.5 * u(0.3, 0.9, 3) + 0.5 * u(0.4, 0.85)),
        light_angle=u(0, 2 * np.pi),
        light_strength=u(0.05, 0.25), colour_cast=tuple(u(0.92, 1.08, 3)), scale=u(0.88, 1.08),
        roll=u(-7, 7), shift=(u(-8, 8), u(-8, 8)),
    )


def _face_frame(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Unit axes (eye line, down the face) and the inter-ocular distance."""
    left, right = pts[36:42].mean(axis=0), pts[42:48].mean(axis=0)
    ex = right - left
    iod = float(np.hypot(*ex))
    ex = ex / iod
    ey = np.array([-ex[1], ex[0]])
    return ex, ey, iod


def shape_landmarks(pts: np.ndarray, ident: Identity) -> np.ndarray:
    """The identity's landmarks: proportions changed in the face's own frame."""
    out = pts.copy()
    centre = pts[27:36].mean(axis=0)

    def scale_about(idx, c, sx=1.0, sy=1.0):
        out[idx] = c + (out[idx] - c) * np.array([sx, sy])

    scale_about(list(range(0, 17)), centre, sx=ident.face_width)
    chin_pivot = np.array([centre[0], pts[27, 1]])
    scale_about(list(range(3, 14)), chin_pivot, sy=ident.jaw_length)
    for idx in (list(range(36, 42)) + list(range(17, 22)), list(range(42, 48)) + list(range(22, 27))):
        c = out[idx].mean(axis=0)
        shift = (c[0] - centre[0]) * (ident.eye_spacing - 1)
        out[idx, 0] += shift
    for idx in (list(range(36, 42)), list(range(42, 48))):
        scale_about(idx, out[idx].mean(axis=0), ident.eye_size, ident.eye_size)
    scale_about(list(range(27, 36)), out[27].copy(), sy=ident.nose_length)
    scale_about(list(range(31, 36)), out[33].copy(), sx=ident.nose_width)
    scale_about(list(range(48, 68)), out[48:68].mean(axis=0), sx=ident.mouth_width)
    out[17:48, 1] += ident.forehead
    out[48:68, 1] += ident.forehead * 0.5
    return out


def dense_field(points: np.ndarray, values: np.ndarray, smoothing: float = 0.0) -> np.ndarray:
    """SIZE x SIZE x 2 thin-plate interpolation of per-point vectors, pinned to 0 on the tile border."""
    import cv2
    from scipy.interpolate import RBFInterpolator

    ring = np.linspace(0, SIZE - 1, 9)
    border = np.array([(x, y) for x in ring for y in (0, SIZE - 1)] + [(x, y) for y in ring[1:-1] for x in (0, SIZE - 1)])
    p = np.vstack([points, border])
    v = np.vstack([values, np.zeros((len(border), 2))])
    g = np.linspace(0, SIZE - 1, _GRID)
    gx, gy = np.meshgrid(g, g)
    coarse = RBFInterpolator(p, v, kernel="thin_plate_spline", smoothing=smoothing)(
        np.column_stack([gx.ravel(), gy.ravel()]))
    coarse = coarse.reshape(_GRID, _GRID, 2).astype(np.float32)
    return cv2.resize(coarse, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)


@dataclass
class Subject:
    """A rendered identity: base image, its landmarks and unit motion fields (backward, pixels)."""

    identity: Identity
    image: np.ndarray  # SIZE x SIZE x 3 float32 RGB, 0..1
    landmarks: np.ndarray  # 68 x 2
    au_fields: dict[str, np.ndarray]
    blink_field: np.ndarray
    talk_field: np.ndarray

    def landmark_motion(self, au_weights: dict[str, float], blink: float = 0.0, talk: float = 0.0) -> np.ndarray:
        """Where the landmarks move (68x2 px) under these weights: the forward model of the fields."""
        ex, ey, iod = _face_frame(self.landmarks)
        d = np.zeros((68, 2))
        for au, w in au_weights.items():
            local = au_displacement(au)
            d += w * iod * (local[:, :1] * ex + local[:, 1:] * ey)
        if blink:
            d += blink * blink_displacement(self.landmarks)
        if talk:
            local = talk_displacement()
            d += talk * iod * (local[:, :1] * ex + local[:, 1:] * ey)
        return d


def _soft_mask(shape_pts: list[np.ndarray], blur: float) -> np.ndarray:
    import cv2

    mask = np.zeros((SIZE, SIZE), np.float32)
    for poly in shape_pts:
        cv2.fillConvexPoly(mask, np.round(poly).astype(np.int32), 1.0, lineType=cv2.LINE_AA)
    k = int(blur) * 2 + 1
    return cv2.GaussianBlur(mask, (k, k), blur)


def _hue_rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    import cv2

    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + degrees) % 360
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def make_subject(ident: Identity, seed: int) -> Subject:
    """Render the identity's base image and precompute its motion fields."""
    import cv2

    face, pts, neutral = neutral_source()
    target = shape_landmarks(neutral, ident)
    # backward map: output pixel q samples the source at q + (pts - target) interpolated at q
    back = dense_field(target, pts - target, smoothing=1.0)
    gx, gy = np.meshgrid(np.arange(SIZE, dtype=np.float32), np.arange(SIZE, dtype=np.float32))
    img = cv2.remap(face, gx + back[..., 0], gy + back[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    # regions: skin (landmark hull raised to the hairline), head (skin + hair), clothes (below the chin)
    ex, ey, iod = _face_frame(target)
    brow_top = target[17:27] - ey * 0.55 * iod
    neck_bottom = target[8, 1] + 0.7 * iod
    neck_poly = np.array([target[4], target[12], [target[12, 0] - 0.1 * iod, neck_bottom],
                          [target[4, 0] + 0.1 * iod, neck_bottom]])
    skin = _soft_mask([np.vstack([target[0:17], brow_top[::-1]]), neck_poly], 3)
    centre = target[27:36].mean(axis=0) - ey * 0.35 * iod
    head_poly = cv2.ellipse2Poly(tuple(int(v) for v in centre), (int(1.25 * iod), int(1.75 * iod)), 0, 0, 360, 10)
    head = np.maximum(_soft_mask([head_poly.astype(np.float64)], 6), skin)
    chin_y = target[8, 1]
    shoulders = np.array([[target[4, 0], chin_y + 0.6 * iod], [target[12, 0], chin_y + 0.6 * iod],
                          [SIZE + 40, SIZE], [-40, SIZE]])
    body = _soft_mask([shoulders], 8) * (1 - head)
    above_jaw = np.clip((np.float32(target[4, 1]) - gy) / 12.0 + 0.5, 0, 1)  # hair stops above the jaw corners
    hair = np.clip(head - skin, 0, 1) * above_jaw
    bg = np.clip(1 - head - body, 0, 1)

    lab = cv2.cvtColor(img, cv2.COLOR_RGB2LAB)
    lab += skin[..., None] * np.array(ident.skin_lab, np.float32)
    img = np.clip(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), 0, 1)
    img = img * (1 - hair[..., None]) + hair[..., None] * np.clip(img * np.array(ident.hair_gain, np.float32), 0, 1)
    img = img.astype(np.float32)
    img = img * (1 - body[..., None]) + body[..., None] * _hue_rotate(img, ident.clothes_hue)
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (SIZE, SIZE)).astype(np.float32), (0, 0), 9) * 0.6
    wall = np.array(ident.background, np.float32) * (0.85 + 0.15 * gy[..., None] / SIZE) + texture[..., None] * 0.05
    img = img * (1 - bg[..., None]) + bg[..., None] * np.clip(wall, 0, 1)

    # lighting direction and colour cast
    lx, ly = np.cos(ident.light_angle), np.sin(ident.light_angle)
    light = 1 + ident.light_strength * ((gx - SIZE / 2) * lx + (gy - SIZE / 2) * ly) / (SIZE / 2)
    img = np.clip(img * light[..., None] * np.array(ident.colour_cast, np.float32), 0, 1).astype(np.float32)

    # scale, roll and shift of the head in the tile
    m = cv2.getRotationMatrix2D((SIZE / 2, SIZE / 2), ident.roll, ident.scale)
    m[:, 2] += ident.shift
    img = cv2.warpAffine(img, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    landmarks = target @ m[:, :2].T + m[:, 2]

    subject = Subject(ident, img, landmarks, {}, np.zeros(0), np.zeros(0))
    for au in AUS:
        subject.au_fields[au] = dense_field(landmarks, -subject.landmark_motion({au: 1.0}))
    subject.blink_field = dense_field(landmarks, -subject.landmark_motion({}, blink=1.0))
    subject.talk_field = dense_field(landmarks, -subject.landmark_motion({}, talk=1.0))
    return subject
