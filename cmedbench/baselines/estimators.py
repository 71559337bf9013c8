"""The baselines as scikit-learn estimators: ``fit(X, y)`` then ``predict_proba(X)``.

``X`` is whatever the baseline's feature artifact holds for the chosen rows (a matrix, an image stack,
a list of graphs). Every hyper-parameter is an explicit keyword of ``__init__`` whose type annotation
is also what `params.check_section` checks params.yaml against, and whose default is the CPU-sized
``default`` preset; all work happens in ``fit``; fitted attributes end in ``_``; ``sklearn.base.clone``
works. ``n_classes`` is given (a training fold may miss a class); ``seed`` and ``device`` are set by the
fold runner, never by params.yaml. Torch baselines train for ``epochs`` epochs; ``fit(..., val=...)``
records the validation UF1 of every epoch in ``history_``.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ..bench.floors import class_distribution, floor_draw
from .params import Above, AtLeast, ExistingFile
from .training import TorchTrainer

Balance = Literal["weights", "sampler", "none"]
Precision = Literal["fp32", "bf16", "auto"]  # auto: bf16 autocast on CUDA, fp32 on the CPU
Epochs = Annotated[int, AtLeast(1)]
Rate = Annotated[float, Above(0)]
Decay = Annotated[float, AtLeast(0)]
Size = Annotated[int, AtLeast(1)]
WeightsFile = Annotated[str, ExistingFile()]


class _Classifier(ClassifierMixin, BaseEstimator):
    def predict(self, X) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)


class MajorityFloor(_Classifier):
    """The training folds' most frequent class, always (`bench.floors`)."""

    def __init__(self, n_classes: int):
        self.n_classes = n_classes

    def fit(self, X, y):
        self.distribution_ = class_distribution(y, self.n_classes)
        return self

    def _draw(self, n: int) -> np.ndarray:
        return floor_draw("majority", self.distribution_, n, 0)

    def predict_proba(self, X) -> np.ndarray:
        return np.eye(self.n_classes)[self._draw(len(X))]


class StratifiedFloor(MajorityFloor):
    """A seeded random draw from the training folds' class distribution (`bench.floors`)."""

    def __init__(self, n_classes: int, seed: int = 0):
        self.n_classes = n_classes
        self.seed = seed

    def _draw(self, n: int) -> np.ndarray:
        return floor_draw("stratified", self.distribution_, n, self.seed)


class LbpTopSVM(_Classifier):
    """LBP-TOP histograms -> standardisation -> SVM (linear or RBF), probability from decision scores."""

    def __init__(self, n_classes: int, kernel: Literal["linear", "rbf"] = "linear", C: Rate = 0.01,
                 class_balance: Literal["weights", "none"] = "weights", seed: int = 0):
        self.n_classes = n_classes
        self.kernel = kernel
        self.C = C
        self.class_balance = class_balance
        self.seed = seed

    def fit(self, X, y):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC, LinearSVC

        cw = "balanced" if self.class_balance != "none" else None
        self.classes_ = np.unique(y)
        if len(self.classes_) == 1:
            self.model_ = None
            return self
        # dual=True, not sklearn's "auto": auto switches liblinear to the primal solver once a training fold has
        # more clips than LBP-TOP has bins (4,425), i.e. on the full-size release, where one emotion-3 fold then
        # took 260.6 s instead of 27.1 s (docs/performance.md). Fixing the solver also keeps one model per setting.
        svm = (LinearSVC(C=self.C, class_weight=cw, random_state=self.seed, max_iter=5000, dual=True)
               if self.kernel == "linear"
               else SVC(C=self.C, kernel="rbf", class_weight=cw, random_state=self.seed))
        self.model_ = make_pipeline(StandardScaler(), svm).fit(X, y)
        return self

    def predict_proba(self, X) -> np.ndarray:
        out = np.zeros((len(X), self.n_classes))
        if self.model_ is None:
            out[:, self.classes_[0]] = 1.0
            return out
        d = self.model_.decision_function(X)
        if d.ndim == 1:  # binary: score of the second class
            d = np.column_stack([-d, d])
        e = np.exp(d - d.max(axis=1, keepdims=True))
        out[:, self.classes_] = e / e.sum(axis=1, keepdims=True)
        return out


class _TorchBaseline(_Classifier):
    """Shared fit/predict plumbing; subclasses say how to build the network and batch their inputs."""

    def _trainer(self, on_epoch=None) -> TorchTrainer:
        return TorchTrainer(self.n_classes, self.lr, self.batch_size, self.weight_decay, self.class_balance,
                            self.seed, self.device, on_epoch, precision=self.precision, compile=self.compile)

    def fit(self, X, y, val=None, on_epoch=None):
        """``val`` = (X_val, y_val) fills ``history_``; ``on_epoch(i)`` is called after epoch i."""
        import torch

        torch.manual_seed(self.seed)
        self.model_ = self._build(X)
        v = None if val is None else (self._batches(val[0]), len(val[0]), val[1])
        trainer = self._trainer(on_epoch)
        trainer.run(self.model_, self._batches(X), len(X), np.asarray(y), self.epochs, v)
        self.history_ = trainer.history
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self._trainer().predict(self.model_, self._batches(X), len(X))


class VGGApex(_TorchBaseline):
    """VGG-16 on the apex-frame face crop (the paper's second baseline)."""

    def __init__(self, n_classes: int, width: Annotated[float, Above(0)] = 0.125, hidden: Size = 256,
                 input_size: Size = 64, pretrained_weights: WeightsFile | None = None, epochs: Epochs = 12,
                 lr: Rate = 1e-3, batch_size: Size = 32, weight_decay: Decay = 1e-4, class_balance: Balance = "weights",
                 precision: Precision = "fp32", compile: bool = False, seed: int = 0, device: str = "cpu"):
        self.precision, self.compile = precision, compile
        self.n_classes, self.width, self.hidden, self.input_size = n_classes, width, hidden, input_size
        self.pretrained_weights = pretrained_weights
        self.epochs, self.lr, self.batch_size, self.weight_decay = epochs, lr, batch_size, weight_decay
        self.class_balance, self.seed, self.device = class_balance, seed, device

    def _build(self, X):
        from .models import VGG16, load_torchvision_vgg16

        model = VGG16(self.n_classes, width=self.width, hidden=self.hidden)
        self.pretrained_ = None
        if self.pretrained_weights:
            self.pretrained_ = load_torchvision_vgg16(model, self.pretrained_weights)
        return model

    def _batches(self, X):
        """Resized and normalised once per fit, then on the model's device (`inputs.place`)."""
        import torch
        import torch.nn.functional as F

        from .inputs import place

        size = self.input_size
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)  # ImageNet normalisation
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        parts = []
        for start in range(0, len(X), PREP_CHUNK):  # chunks bound the float copy of the uint8 crops
            x = torch.from_numpy(np.ascontiguousarray(X[start:start + PREP_CHUNK])).permute(0, 3, 1, 2).float() / 255.0
            if x.shape[-1] != size:
                x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
            parts.append((x - mean) / std)
        return place(torch.cat(parts) if parts else torch.zeros(0, 3, size, size), _rows, self.device)


class DGCNNGraph(_TorchBaseline):
    """DGCNN on the landmark graphs (the paper's third baseline)."""

    def __init__(self, n_classes: int, channels: list[Size] = (16, 16, 16, 1), k: Size = 20, conv1d: Size = 8,
                 hidden: Size = 64, epochs: Epochs = 40, lr: Rate = 2e-3, batch_size: Size = 32,
                 weight_decay: Decay = 1e-4, class_balance: Balance = "weights", precision: Precision = "fp32",
                 compile: bool = False, seed: int = 0, device: str = "cpu"):
        self.precision, self.compile = precision, compile
        self.n_classes, self.channels, self.k, self.conv1d, self.hidden = n_classes, channels, k, conv1d, hidden
        self.epochs, self.lr, self.batch_size, self.weight_decay = epochs, lr, batch_size, weight_decay
        self.class_balance, self.seed, self.device = class_balance, seed, device

    def _build(self, X):
        from .models import DGCNN

        return DGCNN(X[0].num_node_features, self.n_classes, tuple(self.channels), self.k, self.conv1d, self.hidden)

    def _batches(self, X):
        """Landmark graphs share one edge list: node features stacked once on the model's device, and a
        batch's edge list made by offsetting it (what ``Batch.from_data_list`` would build, without
        collating Python objects on every step). Graphs that differ are collated per batch."""
        import torch

        from .inputs import place

        if len(X) == 0 or not all(g.num_nodes == X[0].num_nodes and torch.equal(g.edge_index, X[0].edge_index)
                                  for g in X):
            return _collated(X)
        nodes, edges = X[0].num_nodes, X[0].edge_index.to(self.device)
        cache: dict[int, tuple] = {}

        def finish(rows, idx):  # rows: (b, nodes, features) on the device
            b = len(idx)
            if b not in cache:
                offsets = torch.arange(b, device=self.device).repeat_interleave(edges.shape[1]) * nodes
                cache[b] = (edges.repeat(1, b) + offsets, torch.arange(b, device=self.device).repeat_interleave(nodes))
            return rows.reshape(b * nodes, -1), cache[b][0], cache[b][1]

        return place(torch.stack([g.x for g in X]), finish, self.device)  # (graphs, nodes, features)


class STSTNetFlow(_TorchBaseline):
    """STSTNet on onset->apex optical flow and strain (a DFME flow baseline)."""

    def __init__(self, n_classes: int, epochs: Epochs = 40, lr: Rate = 5e-4, batch_size: Size = 32,
                 weight_decay: Decay = 1e-4, class_balance: Balance = "weights", precision: Precision = "fp32",
                 compile: bool = False, seed: int = 0, device: str = "cpu"):
        self.precision, self.compile = precision, compile
        self.n_classes, self.epochs, self.lr, self.batch_size = n_classes, epochs, lr, batch_size
        self.weight_decay, self.class_balance, self.seed, self.device = weight_decay, class_balance, seed, device

    def _build(self, X):
        import torch

        from .models import STSTNet

        model = STSTNet(self.n_classes)
        model(torch.zeros(1, 3, X.shape[1], X.shape[2]))  # materialise the lazy layer at the input's size
        return model

    def _batches(self, X):
        import torch

        from .inputs import place

        def finish(rows, idx):  # the same channels-last view of each batch as before
            return (rows.permute(0, 3, 1, 2),)

        return place(torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)), finish, self.device)  # (n, h, w, c)


PREP_CHUNK = 256  # images converted to float at a time while preparing a fold's inputs


def _rows(rows, idx):
    """A batch of prepared images is its rows."""
    return (rows,)


def _collated(graphs):
    from torch_geometric.data import Batch

    def of(idx):
        b = Batch.from_data_list([graphs[i] for i in idx])
        return b.x, b.edge_index, b.batch

    return of
