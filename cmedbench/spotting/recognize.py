"""The recognition half of Spot-then-Recognize: the lbptop-svm baseline's model (LBP-TOP histograms ->
standardised linear SVM, ``baselines.estimators.LbpTopSVM``) trained on the training participants' true
events and applied to the intervals the spotter found in the test participants' videos.

Features come from the same grey face frames the spotter read (the central square, 64 px): LBP-TOP
over every frame of the interval, 5x5 blocks, P = 8, R = 1 (the clip baseline uses 224 px crops of
the key frames; the long videos' faces are smaller and have no landmarks here).
"""

from __future__ import annotations

import numpy as np

GRID = (5, 5)


def interval_feature(frames: np.ndarray, onset: int, offset: int) -> np.ndarray:
    from ..features.lbptop import lbp_top

    volume = frames[max(onset, 0):offset + 1]
    if len(volume) < 3:  # LBP-TOP needs a frame either side of one
        volume = np.concatenate([volume[:1], volume, volume[-1:]])
    return lbp_top(volume, 8, 1.0, GRID)


def recognise(frames: dict[int, np.ndarray], train: list[tuple[int, int, int, str]],
              test: list[tuple[int, int, int]], labels: tuple[str, ...], seed: int = 0) -> list[str]:
    """Class names for ``test`` intervals (video, onset, offset) from a model fitted on ``train``
    (video, onset, offset, label)."""
    from ..baselines.estimators import LbpTopSVM

    if not test:
        return []
    code = {label: i for i, label in enumerate(labels)}
    X = np.stack([interval_feature(frames[v], on, off) for v, on, off, _ in train])
    y = np.array([code[label] for *_, label in train])
    model = LbpTopSVM(len(labels), seed=seed).fit(X, y)
    proba = model.predict_proba(np.stack([interval_feature(frames[v], on, off) for v, on, off in test]))
    return [labels[i] for i in proba.argmax(axis=1)]
