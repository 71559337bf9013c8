"""MEGC's interval metrics, pooled over all videos.

A spotted interval is a true positive when its IoU with a ground-truth interval of the same video is
at least ``threshold`` (0.5 in MEGC). IoU counts frames, both ends included (as MEGC's STRS script:
``|pred ∩ gt| / |pred ∪ gt|`` over frame sets). Matching is one-to-one: candidate pairs are taken in
order of decreasing IoU (ties: earlier truth, then earlier spot) and a pair is kept when neither
interval is matched yet. Precision = TP / spots, recall = TP / truths, F1 their harmonic mean.

Per type (``me`` / ``macro``, where the truth says): a spot's type is read from its length (MEGC's
convention: at most ``me_max_seconds`` of its video is a micro-expression); a type's TP are the matched
pairs where truth and spot have that type.

Spot-then-Recognize: the analysis F1 is taken over the true-positive pairs only (predicted label vs
true label), macro over the classes present among them (truth or prediction); STRS = F1_spotting x
F1_analysis.
"""

from __future__ import annotations

import numpy as np

TYPES = ("me", "macro")
METRICS_NAME = "MEGC interval spotting: IoU >= threshold, one-to-one (greedy by IoU), pooled over videos"


def iou(on_a, off_a, on_b, off_b) -> np.ndarray:
    """Frame-set IoU of closed intervals (vectorised)."""
    on_a, off_a, on_b, off_b = (np.asarray(x, np.int64) for x in (on_a, off_a, on_b, off_b))
    inter = np.clip(np.minimum(off_a, off_b) - np.maximum(on_a, on_b) + 1, 0, None)
    union = (off_a - on_a + 1) + (off_b - on_b + 1) - inter
    return inter / union


def match(truth_video, truth_on, truth_off, spot_video, spot_on, spot_off, threshold: float = 0.5
          ) -> tuple[np.ndarray, np.ndarray]:
    """(truth index, spot index) of the one-to-one true-positive pairs.

    Candidates come from one sorted sweep: a spot can only overlap truths of its video whose onset lies
    within the longest truth before its offset, so the work grows with the number of overlapping pairs,
    not with truths x spots.
    """
    tv, ton, toff = (np.asarray(x, np.int64) for x in (truth_video, truth_on, truth_off))
    sv, son, soff = (np.asarray(x, np.int64) for x in (spot_video, spot_on, spot_off))
    empty = np.zeros(0, np.int64)
    if not len(tv) or not len(sv):
        return empty, empty
    span = int(max(toff.max(), soff.max()) + 2)
    t_key = tv * span + ton  # one timeline: videos laid end to end, never touching
    order = np.argsort(t_key, kind="stable")
    sorted_key = t_key[order]
    longest = int((toff - ton).max()) + 1
    lo = np.searchsorted(sorted_key, sv * span + son - longest, "left")
    hi = np.searchsorted(sorted_key, sv * span + soff, "right")
    counts = hi - lo
    s_idx = np.repeat(np.arange(len(sv)), counts)
    t_idx = order[np.repeat(lo, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))]
    same = tv[t_idx] == sv[s_idx]
    s_idx, t_idx = s_idx[same], t_idx[same]
    overlap = iou(ton[t_idx], toff[t_idx], son[s_idx], soff[s_idx])
    keep = overlap >= threshold
    s_idx, t_idx, overlap = s_idx[keep], t_idx[keep], overlap[keep]
    rank = np.lexsort((s_idx, t_idx, -overlap))
    used_t, used_s = set(), set()
    out_t, out_s = [], []
    for k in rank.tolist():
        a, b = int(t_idx[k]), int(s_idx[k])
        if a in used_t or b in used_s:
            continue
        used_t.add(a)
        used_s.add(b)
        out_t.append(a)
        out_s.append(b)
    return np.array(out_t, np.int64), np.array(out_s, np.int64)


def prf(tp: int, n_spots: int, n_truths: int) -> dict:
    precision = tp / n_spots if n_spots else 0.0
    recall = tp / n_truths if n_truths else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": int(tp), "fp": int(n_spots - tp), "fn": int(n_truths - tp), "n_spots": int(n_spots),
            "n_truths": int(n_truths), "precision": precision, "recall": recall, "f1": f1}


def spot_types(on, off, fps, me_max_seconds: float = 0.5) -> np.ndarray:
    """'me' or 'macro' per spotted interval, by its length in seconds."""
    length = (np.asarray(off, np.int64) - np.asarray(on, np.int64) + 1) / np.asarray(fps, float)
    return np.where(length <= me_max_seconds + 1e-9, "me", "macro").astype(object)


def analysis_f1(true_labels, pred_labels) -> tuple[float, dict]:
    """Macro F1 over the classes present among the pairs; (F1, per-class F1)."""
    t = np.asarray(true_labels, object)
    p = np.asarray(pred_labels, object)
    per_class = {}
    for c in sorted(set(t.tolist()) | set(p.tolist())):
        tp = int(np.sum((t == c) & (p == c)))
        fp = int(np.sum((t != c) & (p == c)))
        fn = int(np.sum((t == c) & (p != c)))
        per_class[str(c)] = 2 * tp / (2 * tp + fp + fn)
    return (float(np.mean(list(per_class.values()))) if per_class else 0.0), per_class


def score_intervals(truth: dict, spots: dict, threshold: float = 0.5, me_max_seconds: float = 0.5) -> dict:
    """Pooled spotting (and, when both sides carry labels, STR) scores.

    ``truth``: arrays video (int codes), onset, offset, fps, and optionally type ('me'/'macro'/'') and
    label. ``spots``: arrays video, onset, offset, fps, and optionally label.
    """
    ti, si = match(truth["video"], truth["onset"], truth["offset"], spots["video"], spots["onset"],
                   spots["offset"], threshold)
    out = {"threshold": threshold, "overall": prf(len(ti), len(spots["video"]), len(truth["video"]))}
    types = truth.get("type")
    if types is not None:
        t_types = np.asarray(types, object)
        s_types = spot_types(spots["onset"], spots["offset"], spots["fps"], me_max_seconds)
        for kind in TYPES:
            n_truths = int(np.sum(t_types == kind))
            if not n_truths:
                continue
            tp = int(np.sum((t_types[ti] == kind) & (s_types[si] == kind)))
            out[kind] = prf(tp, int(np.sum(s_types == kind)), n_truths)
    if truth.get("label") is not None and spots.get("label") is not None:
        f1_a, per_class = analysis_f1(np.asarray(truth["label"], object)[ti], np.asarray(spots["label"], object)[si])
        out["analysis"] = {"f1": f1_a, "per_class_f1": per_class, "n_pairs": int(len(ti))}
        out["strs"] = out["overall"]["f1"] * f1_a
    return out
