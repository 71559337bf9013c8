"""Feature science on tiny inputs with known answers and independent references."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.feature import local_binary_pattern

from cmedbench.features.crop import REFERENCE, face_transform, stable_points
from cmedbench.features.deflection import deflection_table
from cmedbench.features.flow import flow_features, optical_strain
from cmedbench.features.graphs import graph_arrays
from cmedbench.features.landmarks import BASE_LANDMARKS, ROI, normalise
from cmedbench.features.lbptop import block_histograms, lbp_codes, lbp_top, n_bins, nri_uniform_table
from cmedbench.features.video import key_frames


def test_normalisation_hand_computed():
    pts = np.zeros((68, 2))
    pts[list(BASE_LANDMARKS)] = [[10, 10], [10, 12], [10, 14], [10, 16], [12, 18]]  # centroid (10.4, 14)
    pts[0], pts[16] = [0, 14], [20, 14]  # face width 20
    pts[48] = [6, 24]
    n = normalise(pts)
    assert n[48] == pytest.approx([(6 - 10.4) / 20, (24 - 14) / 20])
    assert n[list(BASE_LANDMARKS)].mean(axis=0) == pytest.approx([0, 0])
    # invariant to translation and scale of the whole face
    assert np.allclose(normalise(pts * 3 + 7), n)


@settings(max_examples=30, deadline=None)
@given(img=arrays(np.uint8, st.tuples(st.integers(5, 20), st.integers(5, 20))),
       pr=st.sampled_from([(8, 1.0), (8, 2.0), (4, 1.0), (16, 2.0)]))
def test_lbp_codes_equal_scikit_image_on_the_xy_plane(img, pr):
    P, R = pr
    assert np.array_equal(lbp_codes(img, P, R), local_binary_pattern(img, P, R, "nri_uniform").astype(int))


def reference_lbp_top(volume, P, R, grid):
    """Slow and obvious: every interior voxel, every plane, every neighbour, one at a time."""
    v = volume.astype(np.float64)
    T, H, W = v.shape
    r = int(np.ceil(R))
    table = nri_uniform_table(P)

    def bilinear(img, y, x):
        h, w = img.shape

        def px(a, b):
            return img[a, b] if 0 <= a < h and 0 <= b < w else 0.0

        y0, x0, y1, x1 = int(np.floor(y)), int(np.floor(x)), int(np.ceil(y)), int(np.ceil(x))
        dy, dx = y - y0, x - x0
        top = (1 - dx) * px(y0, x0) + dx * px(y0, x1)
        bottom = (1 - dx) * px(y1, x0) + dx * px(y1, x1)
        return (1 - dy) * top + dy * bottom

    rr = np.round(-R * np.sin(2 * np.pi * np.arange(P) / P), 5)
    cc = np.round(R * np.cos(2 * np.pi * np.arange(P) / P), 5)
    hists = np.zeros((grid[0] * grid[1], 3, n_bins(P)))
    for t in range(r, T - r):
        for y in range(r, H - r):
            for x in range(r, W - r):
                block = min((y - r) * grid[0] // (H - 2 * r), grid[0] - 1) * grid[1] + \
                    min((x - r) * grid[1] // (W - 2 * r), grid[1] - 1)
                planes = [(v[t], y, x), (v[:, y, :], t, x), (v[:, :, x], t, y)]  # XY, XT (t, x), YT (t, y)
                for k, (img, row, col) in enumerate(planes):
                    code = 0
                    for i in range(P):
                        if bilinear(img, row + rr[i], col + cc[i]) - img[row, col] >= 0:
                            code |= 1 << i
                    hists[block, k, table[code]] += 1
    hists /= np.maximum(hists.sum(axis=2, keepdims=True), 1)
    return hists.reshape(-1)


@pytest.mark.parametrize("shape,P,R,grid", [((3, 9, 11), 8, 1.0, (2, 2)), ((5, 8, 8), 8, 1.0, (1, 1)),
                                            ((5, 10, 9), 4, 2.0, (2, 3))])
def test_lbp_top_equals_per_pixel_reference(shape, P, R, grid):
    v = np.random.default_rng(sum(shape)).integers(0, 256, size=shape).astype(np.uint8)
    assert np.allclose(lbp_top(v, P, R, grid), reference_lbp_top(v, P, R, grid), atol=1e-7)


def test_lbp_top_length_and_normalisation():
    v = np.random.default_rng(0).integers(0, 256, size=(3, 40, 40)).astype(np.uint8)
    f = lbp_top(v, 8, 1.0, (5, 5))
    assert f.shape == (4425,)
    assert np.allclose(f.reshape(25, 3, 59).sum(axis=2), 1)
    flat = lbp_top(np.full((3, 20, 20), 7, np.uint8), 8, 1.0, (1, 1)).reshape(3, 59)
    assert (flat[:, 58 - 1] == 1).all()  # a flat volume: every bit set, the all-ones uniform bin (P(P-1)+1)


def test_block_histograms_order():
    codes = np.zeros((1, 4, 4), int)
    codes[0, :2, 2:] = 1  # top-right block gets code 1
    h = block_histograms([codes, codes, codes], 3, (2, 2)).reshape(4, 3, 3)
    assert h[1, :, 1].tolist() == [1, 1, 1] and h[0, :, 0].tolist() == [1, 1, 1]


def test_key_frames():
    assert key_frames(10, 4, "abc") == (0, 4, 9)
    assert key_frames(10, 40, "abc") == (0, 9, 9)
    a = key_frames(50, None, "s1")
    assert a == key_frames(50, None, "s1") and 0 <= a[1] < 50
    assert len({key_frames(500, None, f"s{i}")[1] for i in range(20)}) > 10


def test_alignment_maps_stable_points_onto_the_reference():
    rng = np.random.default_rng(0)
    pts = rng.uniform(50, 250, size=(68, 2))
    ref = REFERENCE * 224
    theta, s, t = 0.2, 1.7, np.array([30.0, -12.0])
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    # place the stable points as a similarity image of the reference, then recover the transform
    src = (ref - t) @ np.linalg.inv(s * rot).T
    idx = [list(range(36, 42)), list(range(42, 48)), [30], [48], [54]]
    for group, p in zip(idx, src):
        pts[group] = p
    m = face_transform(pts, 224, align=True)
    mapped = stable_points(pts) @ m[:, :2].T + m[:, 2]
    assert np.allclose(mapped, ref, atol=1e-6)
    box = face_transform(pts, 224, align=False)
    assert box[0, 1] == 0 and box[1, 0] == 0  # no rotation without alignment


@pytest.mark.parametrize("method", ["farneback", "dis"])
def test_flow_recovers_a_known_shift(method):
    import cv2

    rng = np.random.default_rng(1)
    base = cv2.GaussianBlur(rng.integers(0, 255, (120, 120)).astype(np.uint8), (0, 0), 2)
    moved = np.roll(base, 2, axis=1)
    out = flow_features(base, moved, sizes=(60,), method=method)
    u, v = out[60][10:-10, 10:-10, 0], out[60][10:-10, 10:-10, 1]
    assert np.median(u) == pytest.approx(1.0, abs=0.2)  # 2 px at 120 -> 1 px at 60
    assert abs(np.median(v)) < 0.2


def test_strain_of_a_translation_is_zero_and_of_a_stretch_is_not():
    flow = np.zeros((20, 20, 2), np.float32)
    flow[..., 0] = 3.0
    assert np.allclose(optical_strain(flow), 0)
    flow[..., 0] = np.arange(20)[None, :] * 0.1  # u_x = 0.1
    assert np.allclose(optical_strain(flow)[5:-5, 5:-5], 0.1)


def test_graph_structure():
    pts = np.random.default_rng(0).uniform(0, 100, (3, 68, 2))
    x, e = graph_arrays(pts)
    k = len(ROI)
    assert x.shape == (3 * k, 7) and k == 42
    pairs = set(map(tuple, e.T.tolist()))
    assert all((b, a) in pairs for a, b in pairs)  # undirected
    assert (0, k) in pairs and (k, 2 * k) in pairs and (0, 2 * k) not in pairs  # adjacent key frames only
    assert np.allclose(x[:k, 2:4], 0)  # onset displacement is zero
    assert (x[:, 4:].sum(axis=1) == 1).all()


def test_deflection_recovers_a_known_motion():
    base = np.random.default_rng(0).uniform(50, 150, (68, 2))
    pts = np.repeat(base[None, None], 4, axis=0).repeat(3, axis=1)
    pts[:, 1, 48] += [4.0, -2.0]  # apex: mouth corner moves
    emotions = np.array(["happiness", "happiness", "surprise", "no-me"])
    t = deflection_table(pts, emotions)
    width = np.linalg.norm(base[16] - base[0])
    row = t[(t.emotion == "happiness") & (t.landmark == 48)].iloc[0]
    assert row.dx == pytest.approx(4 / width) and row.dy == pytest.approx(-2 / width) and row.n == 2
    assert set(t.emotion) == {"happiness", "surprise"}
    assert t[(t.emotion == "happiness") & (t.landmark == 8)].iloc[0].dx == pytest.approx(0)
