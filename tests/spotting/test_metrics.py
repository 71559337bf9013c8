"""The interval metrics against hand-computed cases and the slow every-pair reference."""

import numpy as np
import pytest

from cmedbench.spotting.metrics import analysis_f1, iou, match, score_intervals
from cmedbench.spotting.reference import reference_f1, reference_matches


def _side(rows, fps=25.0, labels=False, types=False):
    out = {"video": [r[0] for r in rows], "onset": [r[1] for r in rows], "offset": [r[2] for r in rows],
           "fps": [fps] * len(rows)}
    if labels:
        out["label"] = [r[3] for r in rows]
    if types:
        out["type"] = [r[-1] for r in rows]
    return out


def test_iou_counts_frames_both_ends():
    assert iou(0, 9, 0, 9) == 1.0
    assert iou(0, 9, 5, 14) == pytest.approx(5 / 15)
    assert iou(0, 9, 10, 19) == 0.0
    assert iou(0, 3, 1, 2) == pytest.approx(2 / 4)


def test_hand_case_precision_recall_f1():
    # video 0: truth 10-19 hit by 11-20 (IoU 9/11); truth 40-49 missed (spot 44-60: 6/21)
    # video 1: truth 0-9 hit by 0-9; spot 100-110 is a false positive
    truth = _side([(0, 10, 19), (0, 40, 49), (1, 0, 9)])
    spots = _side([(0, 11, 20), (0, 44, 60), (1, 0, 9), (1, 100, 110)])
    s = score_intervals(truth, spots)["overall"]
    assert (s["tp"], s["fp"], s["fn"]) == (2, 2, 1)
    assert s["precision"] == pytest.approx(0.5)
    assert s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_iou_exactly_at_threshold_counts_and_videos_never_mix():
    truth = _side([(0, 0, 9)])
    assert score_intervals(truth, _side([(0, 5, 14)]), threshold=1 / 3)["overall"]["tp"] == 1
    assert score_intervals(truth, _side([(1, 0, 9)]))["overall"]["tp"] == 0


def test_one_to_one_two_spots_on_one_truth():
    # both spots pass IoU >= 0.3 with the one truth; only the better one is a TP
    truth = _side([(0, 0, 9)])
    spots = _side([(0, 0, 5), (0, 0, 8)])
    s = score_intervals(truth, spots, threshold=0.3)["overall"]
    assert (s["tp"], s["fp"], s["fn"]) == (1, 1, 0)
    ti, si = match([0], [0], [9], [0, 0], [0, 0], [5, 8], 0.3)
    assert si.tolist() == [1]


def test_no_spots_or_no_truths_scores_zero():
    truth = _side([(0, 0, 9)])
    assert score_intervals(truth, _side([]))["overall"]["f1"] == 0.0
    assert score_intervals(_side([]), truth)["overall"]["precision"] == 0.0


def test_types_by_length_and_str_hand_case():
    # fps 10: spots up to 5 frames are ME. Truth: ME 0-4 (happiness), macro 20-39 (surprise), ME 60-63 (anger)
    truth = _side([(0, 0, 4, "happiness", "me"), (0, 20, 39, "surprise", "macro"), (0, 60, 63, "anger", "me")],
                  fps=10, labels=True, types=True)
    spots = _side([(0, 0, 4, "happiness"), (0, 21, 39, "anger"), (0, 80, 82, "anger")], fps=10, labels=True)
    s = score_intervals(truth, spots)
    assert s["me"]["tp"] == 1 and s["me"]["n_spots"] == 2 and s["me"]["n_truths"] == 2
    assert s["macro"]["tp"] == 1 and s["macro"]["n_spots"] == 1
    # analysis over the two TP pairs: (happiness, happiness), (surprise, anger)
    # happiness F1 1; surprise F1 0; anger F1 0 -> macro 1/3
    assert s["analysis"]["f1"] == pytest.approx(1 / 3)
    assert s["strs"] == pytest.approx(s["overall"]["f1"] / 3)
    assert s["overall"]["f1"] == pytest.approx(2 / 3)


def test_analysis_f1_perfect_and_empty():
    assert analysis_f1(["a", "b"], ["a", "b"])[0] == 1.0
    assert analysis_f1([], [])[0] == 0.0


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_every_pair_reference(seed):
    rng = np.random.default_rng(seed)
    threshold = float(rng.choice([0.2, 0.3, 0.5, 0.7]))

    def intervals(n):
        v = rng.integers(0, 4, n)
        on = rng.integers(0, 300, n)
        return [(int(a), int(b), int(b + rng.integers(0, 40))) for a, b in zip(v, on)]

    truths, spots = intervals(int(rng.integers(0, 40))), intervals(int(rng.integers(0, 40)))
    ti, si = match(*(np.array([t[k] for t in truths], np.int64) for k in range(3)),
                   *(np.array([s[k] for s in spots], np.int64) for k in range(3)), threshold)
    fast = sorted(zip(ti.tolist(), si.tolist()))
    slow = sorted(reference_matches(truths, spots, threshold))
    assert len(fast) == len(slow)
    fps = [25.0] * len(spots)
    s = score_intervals({"video": [t[0] for t in truths], "onset": [t[1] for t in truths],
                         "offset": [t[2] for t in truths], "fps": [25.0] * len(truths)},
                        {"video": [t[0] for t in spots], "onset": [t[1] for t in spots],
                         "offset": [t[2] for t in spots], "fps": fps}, threshold)
    assert s["overall"]["f1"] == pytest.approx(reference_f1(truths, spots, threshold))
