"""Confusion matrices as images: row-normalised, counts and rates in the cells, deterministic bytes."""

import numpy as np

from cmedbench.bench.figures import confusion_png, row_rates


def test_rows_sum_to_one_and_empty_rows_stay_zero():
    rates = row_rates([[8, 2, 0], [0, 0, 0], [1, 1, 2]])
    assert np.allclose(rates.sum(axis=1), [1, 0, 1]) and rates[0, 0] == 0.8 and not np.isnan(rates).any()


def test_cells_show_rate_and_count(monkeypatch):
    import matplotlib.axes

    texts = []
    original = matplotlib.axes.Axes.text

    def spy(ax, x, y, s, *args, **kw):
        texts.append(s)
        return original(ax, x, y, s, *args, **kw)

    monkeypatch.setattr(matplotlib.axes.Axes, "text", spy)
    png = confusion_png(["negative", "positive", "surprise"], [[2, 5, 1], [23, 95, 10], [0, 4, 6]], "t")
    assert png.startswith(b"\x89PNG")
    assert "74%\n(95)" in texts and "25%\n(2)" in texts and "n=128" in texts


def test_same_input_same_bytes():
    cm = [[3, 1], [2, 4]]
    assert confusion_png(["me", "no-me"], cm, "x") == confusion_png(["me", "no-me"], cm, "x")
