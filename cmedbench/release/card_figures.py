"""The dataset card's figures as PNG bytes (deterministic: no timestamp or software tag)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def class_bars(classes: dict[str, int]) -> bytes:
    """Clips per class, with the count on each bar (a log scale would hide how rare the rare ones are)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    names, counts = list(classes), list(classes.values())
    bars = ax.bar(names, counts, color="#4c78a8")
    ax.bar_label(bars, labels=[str(c) for c in counts], fontsize=8, padding=2)
    ax.set_ylabel("clips")
    ax.set_title("Clips per class", fontsize=10)
    ax.margins(y=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def subject_bars(per_subject: pd.DataFrame) -> bytes:
    """Clips per subject, stacked by class (rows: subjects, columns: classes)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6.4, 0.28 * len(per_subject) + 2.5), 3.4))
    bottom = np.zeros(len(per_subject))
    colours = plt.get_cmap("tab10")
    for i, emotion in enumerate(per_subject.columns):
        values = per_subject[emotion].to_numpy()
        ax.bar(per_subject.index.astype(str), values, bottom=bottom, label=emotion, color=colours(i % 10))
        bottom += values
    ax.set_ylabel("clips")
    ax.set_title("Clips per subject, by class", fontsize=10)
    ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    ax.legend(fontsize=7, ncols=2, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def clip_length_histogram(seconds: pd.Series, is_me: pd.Series) -> bytes:
    """Clip durations (seconds), micro-expression clips and No-ME clips side by side."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    values = seconds.to_numpy(dtype=float)
    bins = np.histogram_bin_edges(values[np.isfinite(values)], bins=min(30, max(5, len(values) // 8)))
    me = is_me.to_numpy(dtype=bool)
    ax.hist([values[me], values[~me]], bins=bins, label=["micro-expression clips", "No-ME clips"],
            color=["#e45756", "#9d9d9d"], stacked=True)
    ax.set_xlabel("clip length (s)")
    ax.set_ylabel("clips")
    ax.set_title("Clip lengths", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
