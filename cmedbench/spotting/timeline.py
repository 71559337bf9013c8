"""The timeline picture of one video: the motion signal, the spotter's threshold, spotted and true
intervals, so a reader sees why an event was missed or a blink was spotted."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_timeline(path: Path, signal: np.ndarray, threshold: float, spotted: list[tuple[int, int]],
                  truths: list[tuple[int, int]], title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 2.6), dpi=80)
    ax.plot(np.arange(len(signal)), signal, lw=0.8, color="0.2", label="motion signal")
    ax.axhline(threshold, color="tab:red", lw=0.8, ls="--", label="threshold")
    top = float(np.max(signal)) if len(signal) else 1.0
    for k, (on, off) in enumerate(truths):
        ax.axvspan(on, off + 1, ymin=0.0, ymax=0.5, color="tab:green", alpha=0.35, label="true" if k == 0 else None)
    for k, (on, off) in enumerate(spotted):
        ax.axvspan(on, off + 1, ymin=0.5, ymax=1.0, color="tab:blue", alpha=0.35, label="spotted" if k == 0 else None)
    ax.set_xlim(0, max(len(signal), 1))
    ax.set_ylim(min(float(np.min(signal)) if len(signal) else 0.0, 0.0), top * 1.05 + 1e-6)
    ax.set_xlabel("frame")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper right", fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
