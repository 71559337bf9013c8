"""A neutral mouth for the source face: the astronaut photo smiles with parted lips (AU6+AU12+AU25).

Every synthetic subject is a warp of that photo, so without this step every clip smiles at rest: the
anger, disgust and sadness clips look happy and a rendered AU12 is hidden in a smile that is already
there. ``neutral_landmarks`` moves the mouth and lower-cheek landmarks of the source to a neutral
template (lips closed on the midline of the opening, corners lowered to that line and pulled in, the
lower lip, chin and lower cheek raised with them) in the face's own frame, before any identity shape
or AU is applied; the identity warp then carries the photo's pixels to these positions. The template
is relative to the inter-ocular distance (IOD), so it does not depend on the crop size.
"""

from __future__ import annotations

import numpy as np

INNER_UPPER = [61, 62, 63]
INNER_LOWER = [65, 66, 67]
INNER_CORNERS = [60, 64]
OUTER_UPPER = [49, 50, 51, 52, 53]
OUTER_LOWER = [55, 56, 57, 58, 59]
CORNERS = [48, 54]
CHIN = [7, 8, 9]
LOWER_CHEEK = [3, 4, 5, 11, 12, 13]

UPPER_SHARE = 0.35  # the upper lip takes 35% of the opening's closing, the lower lip (jaw) the rest
CLOSE = 0.6  # fraction of the (painted-over) opening the warp closes; the rest thickens the lips
CORNER_BELOW_SEAM = 0.035  # IOD: at rest the corners sit on or just below the lips' seam
CORNER_PULL_IN = 0.07  # fraction of the mouth width each corner moves inwards (a smile widens the mouth)
CHEEK_FOLLOW = 0.5  # lower cheek and chin follow half of the lower lip's rise


def _frame(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    left, right = pts[36:42].mean(axis=0), pts[42:48].mean(axis=0)
    ex = right - left
    iod = float(np.hypot(*ex))
    ex = ex / iod
    return ex, np.array([-ex[1], ex[0]]), iod


def neutral_landmarks(pts: np.ndarray) -> np.ndarray:
    """The 68 landmarks with the mouth at rest: a pure function of the source landmarks."""
    ex, ey, iod = _frame(pts)
    origin = pts[60:68].mean(axis=0)
    uv = np.column_stack([(pts - origin) @ ex, (pts - origin) @ ey]) / iod  # u along the eyes, v down
    out = uv.copy()

    upper_v = uv[INNER_UPPER, 1].mean()
    lower_v = uv[INNER_LOWER, 1].mean()
    gap = max(lower_v - upper_v, 0.0)
    seam = upper_v + UPPER_SHARE * gap
    down = UPPER_SHARE * CLOSE * gap  # how far the upper lip moves down
    up = (1 - UPPER_SHARE) * CLOSE * gap  # how far the lower lip moves up
    out[INNER_UPPER, 1] += down
    out[INNER_LOWER, 1] -= up
    out[INNER_CORNERS, 1] = seam
    out[OUTER_UPPER, 1] += down
    out[OUTER_LOWER, 1] -= up
    out[CHIN, 1] -= CHEEK_FOLLOW * up
    out[LOWER_CHEEK, 1] -= CHEEK_FOLLOW * up * np.array([0.5, 0.8, 0.9, 0.9, 0.8, 0.5])

    width = uv[54, 0] - uv[48, 0]
    for corner, inner, sign in ((48, 60, 1.0), (54, 64, -1.0)):
        du = sign * CORNER_PULL_IN * width
        dv = seam + CORNER_BELOW_SEAM - uv[corner, 1]
        out[corner] = uv[corner] + (du, dv)
        out[inner, 0] = uv[inner, 0] + du
    # the lip points next to each corner share half of its move
    for idx, corner in ((49, 48), (59, 48), (53, 54), (55, 54)):
        out[idx, 0] = uv[idx, 0] + 0.5 * (out[corner, 0] - uv[corner, 0])
    out[[49, 59], 1] += 0.5 * (out[48, 1] - uv[48, 1]) * np.array([0.6, 0.0])
    out[[53, 55], 1] += 0.5 * (out[54, 1] - uv[54, 1]) * np.array([0.6, 0.0])
    return origin + iod * (out[:, :1] * ex + out[:, 1:] * ey)


def closed_mouth(face: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """The face with the teeth between the parted lips painted over with lip colour and a darker seam.

    Warping alone cannot close an open mouth on a 300 px tile (the lips vanish with the teeth), so the
    opening is inpainted from the lips around it first; ``neutral_landmarks`` then narrows it.
    """
    import cv2

    img = np.clip(face * 255, 0, 255).astype(np.uint8)
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(pts[60:68]).astype(np.int32)], 255)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    painted = cv2.inpaint(img, mask, 4, cv2.INPAINT_TELEA).astype(np.float32) / 255.0
    seam = np.vstack([pts[60], (pts[61] + pts[67]) / 2, (pts[62] + pts[66]) / 2, (pts[63] + pts[65]) / 2, pts[64]])
    line = np.zeros(img.shape[:2], np.float32)
    cv2.polylines(line, [np.round(seam).astype(np.int32)], False, 1.0, 1, lineType=cv2.LINE_AA)
    line = cv2.GaussianBlur(line, (3, 3), 0.8)[..., None]
    return (painted * (1 - 0.35 * line)).astype(np.float32)
