"""Confusion matrices as images that read at a glance and need nothing online to show.

Rows are normalised (each true class sums to 100%), so a large class does not saturate the colour
scale; every cell prints its rate and its count. Axis order is the task's label order, as in
``score``'s table (rows: truth, columns: prediction).
"""

from __future__ import annotations

import io

import numpy as np


def row_rates(confusion) -> np.ndarray:
    """Each row divided by its sum; a class with no true sample stays all zeros (not NaN)."""
    cm = np.asarray(confusion, dtype=np.float64)
    totals = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)


def confusion_png(labels: list[str], confusion, title: str = "") -> bytes:
    """A PNG of ``confusion`` (rows: truth, columns: prediction): colour = row rate, text = rate and count.

    Deterministic bytes for the same input (no timestamp or software tag in the file)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(confusion, dtype=np.int64)
    rates = row_rates(cm)
    n = len(labels)
    side = 1.6 + 0.85 * n
    fig, ax = plt.subplots(figsize=(side + 1.0, side))
    image = ax.imshow(rates, cmap="Blues", vmin=0.0, vmax=1.0)
    for i in range(n):
        for j in range(n):
            dark = rates[i, j] > 0.55
            ax.text(j, i, f"{rates[i, j]:.0%}\n({cm[i, j]})", ha="center", va="center", fontsize=8.5,
                    color="white" if dark else "#111111")
    ax.set_xticks(range(n), labels, rotation=35 if n > 3 else 0, ha="right" if n > 3 else "center")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    support = cm.sum(axis=1)
    for i, s in enumerate(support):
        ax.text(n - 0.5 + 0.08, i, f"n={s}", va="center", ha="left", fontsize=7.5, color="#444444",
                transform=ax.transData, clip_on=False)
    if title:
        ax.set_title(title, fontsize=9.5)
    cbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.16)
    cbar.set_label("share of the true class", fontsize=8)
    cbar.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def result_confusion_png(result: dict, title: str = "") -> bytes:
    """The pooled confusion matrix of a scored result (``Evaluator.score`` or a record's ``result``)."""
    return confusion_png(list(result["labels"]), result["confusion"], title)
