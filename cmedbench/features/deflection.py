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


# dlib's 68-point layout as open or closed outlines, drawn faintly so the arrows have a face to sit on.
FACE_OUTLINE = ((range(0, 17), False), (range(17, 22), False), (range(22, 27), False), (range(27, 31), False),
                (range(31, 36), False), (range(36, 42), True), (range(42, 48), True), (range(48, 60), True),
                (range(60, 68), True))
MIN_CLIPS = 3  # fewer clips than this: one clip's motion, not a mean; drawn greyed and labelled so


def _limits(table: pd.DataFrame, scale: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """One frame for every panel that holds every landmark and every arrow's tip, with a margin."""
    xs = np.concatenate([table["onset_x"], table["onset_x"] + table["dx"] * scale])
    ys = np.concatenate([table["onset_y"], table["onset_y"] + table["dy"] * scale])
    xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
    pad = 0.06 * max(np.ptp(xs), np.ptp(ys), 1e-9)
    return (xs.min() - pad, xs.max() + pad), (ys.min() - pad, ys.max() + pad)


def deflection_plot(table: pd.DataFrame, path, scale: float = 20.0) -> None:
    """Arrows over the mean onset face, one panel per emotion: red dots the mean onset landmarks, blue
    arrows the mean deflection (x ``scale``), a faint face outline; every panel shares one frame big
    enough for every arrow. Panels of fewer than MIN_CLIPS clips are greyed and say so."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    emotions = [e for e in EMOTIONS if e in set(table["emotion"])]
    cols = min(3, max(len(emotions), 1))
    rows = (max(len(emotions), 1) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.6 * rows + 0.6), squeeze=False)
    for ax in axes.ravel()[len(emotions):]:
        ax.axis("off")
    xlim, ylim = _limits(table, scale) if len(table) else ((0, 1), (0, 1))
    for ax, emotion in zip(axes.ravel(), emotions):
        t = table[table["emotion"] == emotion].sort_values("landmark")
        n = int(t["n"].iloc[0])
        few = n < MIN_CLIPS
        x, y = t["onset_x"].to_numpy(), t["onset_y"].to_numpy()
        if len(t) == 68:
            for idx, closed in FACE_OUTLINE:
                idx = list(idx) + ([idx[0]] if closed else [])
                ax.plot(x[idx], y[idx], color="#b0b0b0", lw=0.8, zorder=1)
        ax.scatter(x, y, s=5, c="#999999" if few else "red", zorder=3)
        ax.quiver(x, y, t["dx"] * scale, t["dy"] * scale, color="#9a9a9a" if few else "blue", angles="xy",
                  scale_units="xy", scale=1, width=0.005, headwidth=4, headlength=5, zorder=2)
        ax.set_xlim(*xlim)
        ax.set_ylim(ylim[1], ylim[0])  # image coordinates: y grows downwards
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_color("#dddddd")
        title = f"{emotion} (n={n})"
        if few:
            title += "\na single clip, not a mean" if n == 1 else f"\nonly {n} clips, not a reliable mean"
            ax.set_facecolor("#f4f4f4")
        ax.set_title(title, fontsize=9.5, color="#666666" if few else "black")
    handles = [Line2D([], [], marker="o", color="red", lw=0, markersize=4, label="mean onset landmark"),
               Line2D([], [], color="blue", lw=1.5, label=f"mean onset -> apex deflection (x{scale:g})"),
               Line2D([], [], color="#b0b0b0", lw=0.8, label="face outline (onset)"),
               Line2D([], [], color="#9a9a9a", lw=1.5, label=f"fewer than {MIN_CLIPS} clips (greyed)")]
    fig.legend(handles=handles, loc="lower center", ncols=2, fontsize=8, frameon=False)
    fig.suptitle(f"Mean landmark deflection onset -> apex (x{scale:g}), normalised (Eq. 1-3)", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
