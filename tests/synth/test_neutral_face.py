"""The neutral face: the source smile is closed and lowered before any AU; the release writes the AUs
it rendered in the canonical ``action_units`` form."""

import numpy as np
import pandas as pd
import pytest

from cmedbench.action_units import ActionUnitError, format_aus, parse_aus
from cmedbench.synth.face import neutral_source, source_face
from cmedbench.synth.neutral import closed_mouth, neutral_landmarks


def _face_frame_v(pts):
    """Each landmark's distance down the face (along the eye-line normal), in IOD units."""
    left, right = pts[36:42].mean(axis=0), pts[42:48].mean(axis=0)
    ex = (right - left) / np.hypot(*(right - left))
    ey = np.array([-ex[1], ex[0]])
    return (pts @ ey) / np.hypot(*(right - left))


def _smile(pts):
    """How far the mouth corners sit above the middle of the lips (IOD; > 0 is a smile)."""
    v = _face_frame_v(pts)
    return float(v[[51, 57, 62, 66]].mean() - v[[48, 54]].mean())


def _opening(pts):
    v = _face_frame_v(pts)
    return float(v[[65, 66, 67]].mean() - v[[61, 62, 63]].mean())


def test_the_source_smiles_and_the_neutral_template_does_not():
    _, pts = source_face()
    neutral = neutral_landmarks(pts)
    assert _smile(pts) > 0.08  # the astronaut's corners sit well above her lips' middle
    assert _smile(neutral) < 0.5 * _smile(pts)
    assert _opening(neutral) < 0.5 * _opening(pts)  # lips (almost) closed
    width = lambda p: float(np.hypot(*(p[54] - p[48])))
    assert width(neutral) < width(pts)  # a smile widens the mouth
    untouched = list(range(17, 48))  # brows, nose, eyes: only the mouth and lower face move
    assert np.allclose(neutral[untouched], pts[untouched])


def test_the_teeth_are_painted_over():
    import cv2

    face, pts = source_face()
    mask = np.zeros(face.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(pts[60:68]).astype(np.int32)], 1)
    inside = mask.astype(bool)
    closed = closed_mouth(face, pts)

    def white(img):  # the share of teeth-like pixels in the opening: bright and unsaturated
        px = img[inside]
        return float(np.mean((px.min(axis=1) > 0.6) & (px.max(axis=1) - px.min(axis=1) < 0.2)))

    assert white(face) > 0.4
    assert white(closed) < 0.25 * white(face)
    assert np.allclose(closed[~cv2.dilate(mask, np.ones((15, 15), np.uint8)).astype(bool)],
                       face[~cv2.dilate(mask, np.ones((15, 15), np.uint8)).astype(bool)], atol=1e-6)


def test_subjects_start_from_the_neutral_face():
    from cmedbench.synth.face import draw_identity, make_subject

    _, pts, _ = neutral_source()
    subject = make_subject(draw_identity(np.random.default_rng(5)), 5)
    assert _smile(subject.landmarks) < 0.5 * _smile(pts)


@pytest.mark.parametrize("cell, expected", [("", frozenset()), ("4", frozenset({4})), ("4+12", frozenset({4, 12})),
                                            ("NA", None), (None, None), (float("nan"), None), (pd.NA, None)])
def test_canonical_action_units_read(cell, expected):
    assert parse_aus(cell) == expected


@pytest.mark.parametrize("cell", ["L4+R12", "AU12", "12?", "12+4", "4+4", "4 + 12", "+4", "0", "4+"])
def test_non_canonical_action_units_are_refused_with_a_reason(cell):
    with pytest.raises(ActionUnitError, match="canonical|not"):
        parse_aus(cell)


def test_canonical_action_units_written():
    assert format_aus(("AU12", "AU6")) == "6+12"
    assert format_aus([]) == ""
    assert format_aus([4, "4", 1]) == "1+4"
    with pytest.raises(ActionUnitError):
        format_aus(["AUx"])


def test_the_release_writes_the_rendered_aus(tmp_path):
    from cmedbench.synth.release import SynthConfig, synth_release

    cfg = SynthConfig(subjects=3, scale=0.02, seed=7, max_emotion_frames=24, max_no_me_frames=30)
    out = synth_release(tmp_path / "release", cfg, metadata_only=True, progress=False)
    meta = pd.read_csv(out / "video_emotion_metadata.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(out / "synth_truth.csv", dtype=str, keep_default_na=False)
    assert list(meta["action_units"]) == list(truth["action_units"])
    for aus, cell, emotion in zip(truth["aus"], truth["action_units"], truth["emotion"]):
        assert parse_aus(cell) == frozenset(int(a[2:]) for a in aus.split("+") if a)
        assert (cell == "") == (emotion == "no-me")
