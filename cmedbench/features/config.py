"""What each feature stage computes, and how stages run: every default is stated here, once.

The CLI takes its option defaults from these classes and builds one from the options; params.yaml
holds the pipeline's values. Import-light (no numpy) so `cmedbench --help` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass

FACE_SIZE = 224  # the paper crops faces to 224x224 (Section IV)
LANDMARK_FRAMES = ("key", "all")
LBPTOP_FRAMES = ("key", "clip")
FLOW_METHODS = ("farneback", "dis", "tvl1")
BACKENDS = ("local", "loky", "dask")  # local = loky here: OpenCV's thread pool is not fork-safe


@dataclass(frozen=True)
class RunConfig:
    """How a stage runs, not what it computes."""

    workers: int = 2  # clips in parallel
    max_failure_rate: float = 0.05  # the stage fails when more clips than this fail
    backend: str = "local"  # local / loky: processes on this machine; dask: a Dask cluster (``scheduler``, else local)
    scheduler: str | None = None  # address of a running Dask scheduler (backend dask)
    shard_rows: int = 256  # clips per shard of a store artifact


@dataclass(frozen=True)
class LandmarksConfig:
    frames: str = "key"  # key: onset, apex (No-ME: a seeded random frame), offset; all: every frame, tracked
    upsample: int = 0  # dlib detector upsampling
    seed: int = 0  # seed of the No-ME random frame


@dataclass(frozen=True)
class CropConfig:
    """Where the face is cut from each frame (params.yaml's crop section)."""

    align: bool = False  # DFME alignment (a similarity transform from onset landmarks), else a square box


@dataclass(frozen=True)
class LbpTopConfig(CropConfig):
    frames: str = "key"  # key (the paper: onset, apex, offset) or clip (every frame)
    size: int = FACE_SIZE
    radius: float = 1.0
    points: int = 8
    grid: tuple[int, int] = (5, 5)  # blocks (rows, columns)


@dataclass(frozen=True)
class ApexConfig(CropConfig):
    size: int = FACE_SIZE


@dataclass(frozen=True)
class FlowConfig(CropConfig):
    method: str = "farneback"  # one of FLOW_METHODS
    compute_size: int = 112  # the flow is computed once at this size
    sizes: tuple[int, ...] = (28, 60, 112)  # and resized to each of these (STSTNet 28, OffApexNet-style 60)
