"""The ROI spotter: head motion taken out of the ROI flow, regions and threshold chosen on training
videos only, intervals placed by the learnt peak offsets."""

import numpy as np
import pytest

from cmedbench.spotting.roi import ROIS, FaceVideo, cut_face, head_motion, normalise, roi_motion
from cmedbench.spotting.roi_spotter import (RoiSpotter, fit_over_windows, fit_roi_spotter, rank_rois, spot_peaks,
                                            spots_table, window_candidates)


def _landmarks(iod=32.0, cx=64.0, cy=70.0):
    """A rough 68-point face: eyes ``iod`` apart, brows above, mouth below (only the ROI points matter)."""
    pts = np.tile([cx, cy], (68, 1)).astype(float)
    pts[36:42] = [cx - iod / 2, cy - 10]
    pts[42:48] = [cx + iod / 2, cy - 10]
    pts[17:22] = [cx - iod / 2, cy - 22]
    pts[22:27] = [cx + iod / 2, cy - 22]
    pts[31], pts[35] = [cx - 8, cy + 6], [cx + 8, cy + 6]
    pts[40:42] = [cx - iod / 2, cy - 6]
    pts[46:48] = [cx + iod / 2, cy - 6]
    pts[48], pts[54] = [cx - 16, cy + 22], [cx + 16, cy + 22]
    pts[50:53] = [cx, cy + 18]
    pts[56:59] = [cx, cy + 27]
    pts[0], pts[16], pts[8] = [cx - 45, cy - 10], [cx + 45, cy - 10], [cx, cy + 45]
    return pts


def _texture(h=128, w=128, seed=0):
    import cv2

    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 2.0)


def _shift(img, dx, dy, box=None):
    """``img`` moved by (dx, dy) px, everywhere or only inside ``box`` (y0, y1, x0, x1)."""
    import cv2

    m = np.float32([[1, 0, dx], [0, 1, dy]])
    moved = cv2.warpAffine(img, m, img.shape[::-1], borderMode=cv2.BORDER_REFLECT)
    if box is None:
        return moved
    out = img.copy()
    y0, y1, x0, x1 = box
    out[y0:y1, x0:x1] = moved[y0:y1, x0:x1]
    return out


def test_head_motion_is_removed_and_a_local_movement_kept():
    lm = _landmarks()
    base = _texture()
    corner = lm[48].astype(int)
    box = (corner[1] - 10, corner[1] + 11, corner[0] - 10, corner[0] + 11)
    frames = [base] * 4 + [_shift(base, 2.0, 1.5)] * 4 + [_shift(_shift(base, 0, 0), 1.5, 0, box)] * 4
    face = FaceVideo(np.clip(np.stack(frames), 0, 255).astype(np.uint8), lm, (0, 0, 128, 128), 1.0, True)
    m = roi_motion(face, k=2)
    corner_col = list(ROIS).index("mouth_corner_right")
    head = m[5]  # frames 3 -> 5: the whole head moved 2.5 px
    assert head.max() < 0.4
    local = m[9]  # frames 7 -> 9: the head moves back, the right mouth corner moves on its own
    assert local[corner_col] > 0.8 and local[corner_col] == local.max()


def test_head_motion_fits_a_pure_affine_field_exactly():
    ys, xs = np.mgrid[0:40, 0:50]
    flow = np.dstack([0.5 + 0.01 * xs - 0.02 * ys, -0.3 + 0.02 * xs + 0.01 * ys]).astype(np.float32)
    coef = head_motion(flow)
    assert np.allclose(coef, [[0.01, 0.02], [-0.02, 0.01], [0.5, -0.3]], atol=1e-5)


def test_normalise_puts_rois_on_one_scale_and_zeroes_the_first_k_frames():
    rng = np.random.default_rng(0)
    m = np.column_stack([rng.normal(1, 0.1, 200), rng.normal(10, 5, 200)]).astype(np.float32)
    z = normalise(m, 3)
    assert (z[:3] == 0).all() and (z >= 0).all()
    assert abs(np.quantile(z[3:, 0], 0.9) - np.quantile(z[3:, 1], 0.9)) < 0.05


def test_cut_face_without_a_detectable_face_falls_back_to_the_central_square():
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 30, (6, 60, 80)).astype(np.uint8)
    face = cut_face(frames, "noise.mp4", iod_px=16)
    assert not face.detected and face.frames.shape[0] == 6 and face.landmarks.shape == (68, 2)


def test_spot_peaks_places_learnt_sides_and_merges_overlaps():
    s = np.zeros(100)
    s[[20, 60, 64]] = [5, 6, 4]
    assert spot_peaks(s, 3, before=4, after=2, k=3) == [(16, 22, 5.0), (56, 66, 6.0)]
    assert spot_peaks(s, 10, 4, 2, 3) == []


def _bench(n_videos=6, n=300, seed=0):
    """z (video -> frames x 2 ROIs): ROI 0 spikes at random, ROI 1 rises at each true event's apex."""
    rng = np.random.default_rng(seed)
    z, video, onset, offset, apex = {}, [], [], [], []
    for v in range(n_videos):
        m = np.abs(rng.normal(0, 0.5, (n, 2))).astype(np.float32)
        m[rng.integers(0, n, 12), 0] += 8
        for c in (60, 150, 240):
            on = c + int(rng.integers(-3, 4))
            m[on + 4, 1] += 6
            video.append(v), onset.append(on), offset.append(on + 8), apex.append(on + 3)
        z[v] = m
    truth = {"video": np.array(video), "onset": np.array(onset), "offset": np.array(offset),
             "apex": np.array(apex), "fps": np.full(len(video), 25.0)}
    return z, truth, np.full(n_videos, 25.0)


def test_fit_ranks_the_event_roi_first_and_spots_the_held_out_events():
    z, truth, fps = _bench()
    train = [0, 1, 2, 3, 4]
    assert rank_rois(z, truth, train, 3)[0] == 1
    spotter = fit_roi_spotter(z, truth, train, 3, fps)
    assert spotter.rois == (1,) and (spotter.before, spotter.after) == (4, 4)
    found = spots_table(spotter, z, [5])
    truths = set(zip(truth["onset"][truth["video"] == 5].tolist(), truth["offset"][truth["video"] == 5].tolist()))
    assert set(zip(found["onset"].tolist(), found["offset"].tolist())) == truths


def test_fit_uses_only_training_videos():
    z, truth, fps = _bench()
    train = [0, 1, 2, 3, 4]
    before = fit_roi_spotter(z, truth, train, 3, fps)
    z[5] = z[5] * 0 + 100.0  # the held-out video changes beyond recognition
    assert fit_roi_spotter(z, truth, train, 3, fps) == before
    spotter, f1 = fit_over_windows({3: z, 5: z}, truth, train, fps)
    assert spotter.k == 3 and f1 == pytest.approx(1.0)


def test_window_candidates_are_the_training_rise_quartiles():
    truth = {"video": np.array([0, 0, 1, 1]), "onset": np.array([0, 10, 0, 10]), "apex": np.array([2, 14, 6, -1])}
    assert window_candidates(truth, [0, 1]) == (3, 4, 5)
    assert window_candidates(truth, [1]) == (6,)
    assert window_candidates({k: v[:0] for k, v in truth.items()}, [0]) == (2,)


def test_spotter_settings_name_their_rois():
    d = RoiSpotter((2, 3), 4.0, 4, 3, 3).as_dict()
    assert d["roi_names"] == ["mouth_corner_right", "mouth_corner_left"] and d["k"] == 3
