"""Landmark graphs for the DGCNN (CMED Section IV, Fig. 8): ROI landmarks on three key frames.

Nodes: the 42 ROI landmarks (eyebrows, eyes, mouth; Fig. 5) on the onset, apex and offset frames (a
random frame instead of the apex for No-ME), 126 nodes. Node features: the paper's normalised
coordinates (Eq. 1-3), plus the onset-relative displacement, plus a one-hot of the key frame.
Edges, both directions: along each brow, around each eye and both lip contours within a frame, and
between the same landmark on adjacent key frames (the "triplet of frames" of the paper).
"""

from __future__ import annotations

import numpy as np

from .landmarks import ROI, normalise

_CHAINS = [list(range(17, 22)), list(range(22, 27))]
_RINGS = [list(range(36, 42)), list(range(42, 48)), list(range(48, 60)), list(range(60, 68))]


def roi_edges() -> np.ndarray:
    pos = {lm: i for i, lm in enumerate(ROI)}
    edges = []
    for chain in _CHAINS:
        edges += [(pos[a], pos[b]) for a, b in zip(chain, chain[1:])]
    for ring in _RINGS:
        edges += [(pos[a], pos[b]) for a, b in zip(ring, ring[1:] + ring[:1])]
    return np.array(edges, dtype=np.int64)


def graph_arrays(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(node features 126 x 7, edge_index 2 x E) from 3 x 68 x 2 key-frame landmarks."""
    k = len(ROI)
    norm = normalise(points)[:, list(ROI), :]  # 3 x 42 x 2
    disp = norm - norm[:1]
    onehot = np.repeat(np.eye(3), k, axis=0)
    x = np.hstack([norm.reshape(-1, 2), disp.reshape(-1, 2), onehot]).astype(np.float32)
    intra = roi_edges()
    edges = [intra + f * k for f in range(3)]
    edges += [np.column_stack([np.arange(k) + f * k, np.arange(k) + (f + 1) * k]) for f in range(2)]
    e = np.vstack(edges)
    return x, np.hstack([e.T, e[:, ::-1].T])


def to_data(sample_id: str, points: np.ndarray):
    import torch
    from torch_geometric.data import Data

    x, edge_index = graph_arrays(points)
    return Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(edge_index), sample_id=sample_id)
