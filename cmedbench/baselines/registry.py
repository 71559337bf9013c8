"""Every baseline, once: its name, what it reads, which estimator, its presets, what inner validation tunes.

One name per model everywhere: the CLI argument (``cmedbench baseline vgg16``), the DVC stage, the
params.yaml section, the result folder ``results/vgg16/<task>/``. The title is what the board shows.
The ``default`` preset is the estimator's own keyword defaults (CPU-sized, so `make run` finishes in
minutes) plus ``default_extra`` (keys of inner validation); the ``paper`` preset restates every key,
so choosing it never mixes in a default. Estimators are named, not imported, so that reading the
registry (``--help``, the DVC matrix test) stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..bench.floors import FLOOR_DESCRIPTIONS

RUNTIME_PARAMS = ("n_classes", "seed", "device")  # set by the fold runner, never by params.yaml


@dataclass(frozen=True)
class GridSearch:
    """Inner validation refits once per candidate value of ``param`` listed under ``grid`` and keeps the
    best validation UF1 (first of equals)."""

    param: str
    grid: str


@dataclass(frozen=True)
class EpochSearch:
    """Inner validation trains once for ``epochs`` epochs and keeps the epoch count with the best
    validation UF1."""

    param: str = "epochs"
    grid: None = None


@dataclass(frozen=True)
class BaselineSpec:
    name: str
    title: str
    estimator: str  # class name in cmedbench.baselines.estimators
    kind: str = "measured"  # or "floor": a trivial reference on the board
    features: str | None = None  # the artifact the pipeline makes for it
    array: str | None = None  # the array of an .npz artifact (a .pt artifact is a list of graphs)
    tunes: GridSearch | EpochSearch | None = None
    default_extra: Mapping = field(default_factory=lambda: MappingProxyType({}))
    paper: Mapping | None = None  # None: no params, no presets (the floors)
    description: str | None = None  # fixed board description (floors); others describe their preset

    @property
    def section(self) -> str | None:
        """Its params.yaml section; None for a baseline without hyper-parameters."""
        return self.name if self.paper is not None else None

    @property
    def presets(self) -> tuple[str, ...]:
        return ("default", "paper") if self.paper is not None else ()

    def estimator_class(self) -> type:
        from . import estimators

        return getattr(estimators, self.estimator)


def _frozen(d: dict) -> Mapping:
    return MappingProxyType(d)


BASELINES: dict[str, BaselineSpec] = {spec.name: spec for spec in (
    BaselineSpec("majority", "majority class", "MajorityFloor", kind="floor",
                 description=FLOOR_DESCRIPTIONS["majority"]),
    BaselineSpec("stratified", "stratified random", "StratifiedFloor", kind="floor",
                 description=FLOOR_DESCRIPTIONS["stratified"]),
    BaselineSpec(
        "lbptop-svm", "LBP-TOP + SVM", "LbpTopSVM", features="data/features/lbptop.npz", array="X",
        tunes=GridSearch("C", "C_grid"), default_extra=_frozen({"C_grid": [0.001, 0.01, 0.1, 1.0]}),
        paper=_frozen({"kernel": "linear", "C": 1.0, "class_balance": "weights", "C_grid": [0.01, 0.1, 1.0, 10.0]})),
    BaselineSpec(
        # the paper: ImageNet-pretrained VGG-16 on 224 px apex crops (Section IV, Fig. 7)
        "vgg16", "VGG-16 (apex frame)", "VGGApex", features="data/features/apex.npz", array="crops",
        tunes=EpochSearch(),
        paper=_frozen({"width": 1.0, "hidden": 4096, "input_size": 224, "pretrained_weights": None, "epochs": 20,
                       "lr": 1e-4, "batch_size": 16, "weight_decay": 1e-4, "class_balance": "weights",
                       "precision": "auto", "compile": False})),
    BaselineSpec(
        "dgcnn", "DGCNN (landmark graphs)", "DGCNNGraph", features="data/features/graphs.pt", tunes=EpochSearch(),
        paper=_frozen({"channels": [32, 32, 64, 128], "k": 30, "conv1d": 16, "hidden": 128, "epochs": 100,
                       "lr": 1e-3, "batch_size": 32, "weight_decay": 1e-4, "class_balance": "weights",
                       "precision": "auto", "compile": False})),
    BaselineSpec(
        "ststnet", "STSTNet (optical flow)", "STSTNetFlow", features="data/features/flow.npz", array="flow_28",
        tunes=EpochSearch(),
        paper=_frozen({"epochs": 500, "lr": 5e-5, "batch_size": 256, "weight_decay": 0.0,
                       "class_balance": "weights", "precision": "auto", "compile": False})),
)}


class UnknownBaseline(KeyError):
    pass


def get_baseline(name: str) -> BaselineSpec:
    try:
        return BASELINES[name]
    except KeyError:
        raise UnknownBaseline(f"unknown baseline {name!r}; known: {', '.join(BASELINES)}") from None


# The AU detection task's baselines (multi-label: their own fold runner, results-au/ and AU board) are
# registered in cmedbench/baselines/au.py; re-exported here so that every baseline has one home.
from .au import AU_BASELINES  # noqa: E402,F401
