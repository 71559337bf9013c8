"""Fig. 6 as drawn: every arrow inside its panel, a face outline, a legend, small panels marked."""

import numpy as np
import pandas as pd

from cmedbench.features.deflection import MIN_CLIPS, _limits, deflection_plot


def _table(n_by_emotion: dict[str, int]) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for emotion, n in n_by_emotion.items():
        for lm in range(68):
            rows.append({"emotion": emotion, "landmark": lm, "onset_x": rng.uniform(-1, 1), "onset_y": rng.uniform(-1, 1),
                         "dx": rng.normal(0, 0.05), "dy": rng.normal(0, 0.05), "n": n})
    return pd.DataFrame(rows)


def test_frame_holds_every_arrow_tip():
    table = _table({"happiness": 20, "fear": 1})
    (x0, x1), (y0, y1) = _limits(table, 20.0)
    tips_x = table["onset_x"] + 20 * table["dx"]
    tips_y = table["onset_y"] + 20 * table["dy"]
    assert x0 < tips_x.min() and tips_x.max() < x1 and y0 < tips_y.min() and tips_y.max() < y1
    assert x0 < table["onset_x"].min() and table["onset_y"].max() < y1


def test_plot_marks_small_panels_and_has_a_legend(tmp_path, monkeypatch):
    import matplotlib.figure

    seen = {}
    original = matplotlib.figure.Figure.savefig

    def spy(fig, path, **kw):
        seen["titles"] = [ax.get_title() for ax in fig.axes if ax.get_title()]
        seen["legend"] = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
        seen["lines"] = sum(len(ax.lines) for ax in fig.axes)
        return original(fig, path, **kw)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    deflection_plot(_table({"happiness": 20, "fear": 1, "sadness": MIN_CLIPS - 1}), tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    assert "fear (n=1)\na single clip, not a mean" in seen["titles"]
    assert any(t.startswith("sadness (n=2)\nonly 2 clips") for t in seen["titles"]) and "happiness (n=20)" in seen["titles"]
    assert any("mean onset landmark" in t for t in seen["legend"]) and seen["lines"] == 3 * 9  # outline per panel
