"""Optical flow and optical strain from the onset to the apex face crop (the flow models' input).

Farneback (default) or DIS from OpenCV; TV-L1 from the contrib module as an option (about 0.5 s a pair
at 224 px on this machine). The flow is computed once at ``compute_size`` and resized to each output
size (28, 60 and 112 px: STSTNet, OffApexNet-style inputs), vectors scaled with the image. Channels:
horizontal flow u, vertical flow v, and optical strain magnitude
sqrt(u_x^2 + v_y^2 + 0.5 (u_y + v_x)^2).
"""

from __future__ import annotations

import numpy as np

from .config import FLOW_METHODS as METHODS
from .config import FlowConfig


def optical_flow(onset: np.ndarray, apex: np.ndarray, method: str = FlowConfig.method) -> np.ndarray:
    """H x W x 2 float32 flow between two grey uint8 images."""
    import cv2

    if method == "farneback":
        return cv2.calcOpticalFlowFarneback(onset, apex, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    if method == "dis":
        return cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(onset, apex, None)
    if method == "tvl1":
        return cv2.optflow.DualTVL1OpticalFlow_create().calc(onset, apex, None)
    raise ValueError(f"unknown flow method {method!r}; known: {', '.join(METHODS)}")


def optical_strain(flow: np.ndarray) -> np.ndarray:
    u, v = flow[..., 0], flow[..., 1]
    uy, ux = np.gradient(u)
    vy, vx = np.gradient(v)
    return np.sqrt(ux**2 + vy**2 + 0.5 * (uy + vx) ** 2).astype(np.float32)


def flow_features(onset: np.ndarray, apex: np.ndarray, sizes=FlowConfig.sizes, method: str = FlowConfig.method) -> dict:
    """{size: size x size x 3 float32 (u, v, strain)} from two grey face crops of equal size."""
    import cv2

    flow = optical_flow(onset, apex, method)
    strain = optical_strain(flow)
    full = np.dstack([flow, strain])
    out = {}
    for size in sizes:
        scaled = cv2.resize(full, (size, size), interpolation=cv2.INTER_AREA)
        scaled[..., :2] *= size / onset.shape[0]  # displacements shrink with the image
        out[int(size)] = scaled.astype(np.float32)
    return out
