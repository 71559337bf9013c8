"""The paper's Fig. 6: mean deflection of each landmark from onset to apex, per emotion.

Landmarks are normalised (Eq. 1-3) before subtracting, so head size and position drop out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..release.labels import EMOTIONS
from .landmarks import normalise


def deflection_table(points: np.ndarray, emotions: np.ndarray) -> pd.DataFrame:
    """Rows (emotion, landmark, onset_x, onset_y, dx, dy, n) from n x 3 x 68 x 2 key-frame landmarks."""
    norm = normalise(points)
    rows = []
    for emotion in EMOTIONS:
        sel = (emotions == emotion) & np.isfinite(norm[:, :2]).all(axis=(1, 2, 3))
        if not sel.any():
            continue
        onset = norm[sel, 0].mean(axis=0)
        d = (norm[sel, 1] - norm[sel, 0]).mean(axis=0)
        for lm in range(68):
            rows.append({"emotion": emotion, "landmark": lm, "onset_x": onset[lm, 0], "onset_y": onset[lm, 1],
                         "dx": d[lm, 0], "dy": d[lm, 1], "n": int(sel.sum())})
    return pd.DataFrame(rows)


def deflection_plot(table: pd.DataFrame, path, scale: float = 20.0) -> None:
    """Arrows over the mean onset face, one panel per emotion (red: onset, blue: deflection x scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    emotions = [e for e in EMOTIONS if e in set(table["emotion"])]
    cols = min(3, max(len(emotions), 1))
    rows = (max(len(emotions), 1) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.3 * rows), squeeze=False)
    for ax in axes.ravel()[len(emotions):]:
        ax.axis("off")
    for ax, emotion in zip(axes.ravel(), emotions):
        t = table[table["emotion"] == emotion]
        ax.scatter(t["onset_x"], t["onset_y"], s=4, c="red")
        ax.quiver(t["onset_x"], t["onset_y"], t["dx"] * scale, t["dy"] * scale, color="blue", angles="xy",
                  scale_units="xy", scale=1, width=0.006)
        ax.set_title(f"{emotion} (n={int(t['n'].iloc[0])})")
        ax.invert_yaxis()
        ax.set_aspect("equal")
        ax.axis("off")
    fig.suptitle(f"Mean landmark deflection onset -> apex (x{scale:g}), normalised (Eq. 1-3)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
