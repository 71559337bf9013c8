"""The spotter on synthetic signals, its floors, and the ledger taking interval records."""

import numpy as np

from cmedbench.spotting.baselines import random_spots
from cmedbench.spotting.spotter import choose_p, spot


def _signal(n=300, events=(50, 150, 250), seed=0):
    rng = np.random.default_rng(seed)
    s = rng.normal(0, 0.05, n)
    for c in events:
        s[c - 5:c + 6] += np.hanning(11) * 2
    return s


def test_spot_finds_clean_peaks_as_intervals():
    found = spot(_signal(), 0.5, k=5)
    assert len(found) == 3
    for (on, off, _), c in zip(found, (50, 150, 250)):
        assert on <= c <= off and off - on + 1 >= 5


def test_spot_intervals_never_overlap():
    s = _signal(events=(50, 54, 58, 150))
    found = spot(s, 0.1, k=5)
    assert all(a[1] < b[0] for a, b in zip(found, found[1:]))


def test_choose_p_uses_only_training_videos():
    signals = {0: _signal(seed=1), 1: _signal(seed=2), 2: np.zeros(300)}
    truth = {"video": np.array([0, 0, 0, 1, 1, 1]), "onset": np.array([45, 145, 245] * 2),
             "offset": np.array([55, 155, 255] * 2), "fps": np.full(6, 25.0)}
    p = choose_p(signals, truth, [0, 1], 5, np.full(3, 25.0))
    assert 0.05 <= p < 0.95


def test_random_spots_rate_and_no_overlap():
    rng = np.random.default_rng(0)
    spots = random_spots(10_000, 0.002, 10, rng)
    assert 10 <= len(spots) <= 30
    assert all(a[1] < b[0] for a, b in zip(spots, spots[1:]))
    assert all(0 <= on <= off < 10_000 for on, off in spots)
