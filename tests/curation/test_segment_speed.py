"""The shortcuts that make the segmenter fast find what the whole-frame search finds."""

import cv2
import numpy as np
import pytest

from cmedbench.curation.detect import detect_faces, detect_in_regions, haar
from cmedbench.curation.segment_config import SegmentConfig
from cmedbench.curation.segmenter import Segmenter

from .gallery import REALFACES

FACE = REALFACES.parent / "images" / "dlib_2008_001009.jpg"


@pytest.mark.skipif(not FACE.is_file(), reason="../shared/realfaces is not present")
def test_a_region_search_finds_the_whole_frame_faces_inside_it_and_nothing_outside():
    cfg = SegmentConfig()
    gray = np.full((720, 1280), 30, np.uint8)
    img = cv2.cvtColor(cv2.imread(str(FACE)), cv2.COLOR_BGR2GRAY)
    h, w = min(img.shape[0], 700), min(img.shape[1], 600)
    gray[10:10 + h, 600:600 + w] = img[:h, :w]
    whole = detect_faces(haar(), gray, cfg, cfg.detect_scale)
    assert whole, "no Haar face in the test image"
    regions = [((int(x + b / 2 - b), int(y + b / 2 - b), 2 * b), 0.5 * b) for x, y, b, _ in whole]
    found = detect_in_regions(haar(), gray, regions, cfg, cfg.detect_scale)
    for box in whole:
        assert any(abs(f[0] - box[0]) <= 0.1 * box[2] and abs(f[2] - box[2]) <= 0.2 * box[2] for f in found), (box, found)
    assert detect_in_regions(haar(), gray, [((0, 0, 500), 0.0)], cfg, cfg.detect_scale) == []


def test_the_layout_period_moves_only_when_the_tiles_change():
    sp = Segmenter(SegmentConfig(), "rec", 25.0, (1280, 720))
    grid = [(8, 8, 636, 356), (644, 8, 1272, 356)]
    sp.set_layout(grid, 0)
    assert (sp.layout_since, sp.layout_period) == (0, 1)
    sp.set_layout([(8, 8, 636, 356), (644, 8, 1270, 356)], 60)  # a 2 px jitter is the same layout
    assert sp.layout_since == 0
    sp.set_layout([(8, 8, 424, 240)], 120)  # a reflow
    assert (sp.layout_since, sp.layout_period) == (120, 2)
    with sp._within_layout(60):
        assert not sp.layout_steady  # the window reaches back before the reflow: check every frame
    with sp._within_layout(130):
        assert sp.layout_steady
    assert not sp.layout_steady


def test_faces_of_one_size_come_in_reading_order_whatever_haar_returned():
    """Haar's output order varies with OpenCV's threads; user ids (and so participants) must not."""
    from cmedbench.curation.detect import without_nested

    boxes = [(700, 10, 120, 120), (10, 10, 120, 120), (10, 400, 120, 120), (300, 300, 200, 200)]
    expected = [(300, 300, 200, 200), (10, 10, 120, 120), (700, 10, 120, 120), (10, 400, 120, 120)]
    assert without_nested(boxes) == expected
    assert without_nested(boxes[::-1]) == expected
