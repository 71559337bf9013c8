"""Baselines with one scikit-learn-style interface: ``fit(X, y, epochs=None)`` then ``predict_proba(X)``.

``X`` is whatever the baseline's feature artifact holds for the chosen rows (a matrix, an image stack,
a list of graphs). Torch baselines train for a fixed number of epochs; the fold runner decides that
number without the test fold (fixed, or chosen on an inner validation split of training subjects).
Class imbalance is handled explicitly: ``class_balance`` = ``weights`` (loss weighted by inverse class
frequency), ``sampler`` (balanced sampling) or ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CLASS_BALANCE = ("weights", "sampler", "none")


def class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """n / (C * count): sklearn's 'balanced'; classes absent from training get weight 0."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    present = counts > 0
    w = np.zeros(n_classes)
    w[present] = len(y) / (present.sum() * counts[present])
    return w


class Majority:
    """The training folds' most frequent class, always."""

    n_classes: int

    def __init__(self, n_classes: int, **_):
        self.n_classes = n_classes

    def fit(self, X, y, epochs=None, val=None):
        self.p = np.bincount(y, minlength=self.n_classes) / len(y)
        return self

    def predict_proba(self, X) -> np.ndarray:
        out = np.zeros((len(X), self.n_classes))
        out[:, int(np.argmax(self.p))] = 1.0
        return out


class Stratified(Majority):
    """A seeded random draw from the training folds' class distribution."""

    def __init__(self, n_classes: int, seed: int = 0, **_):
        super().__init__(n_classes)
        self.seed = seed

    def predict_proba(self, X) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        picks = rng.choice(self.n_classes, size=len(X), p=self.p)
        return np.eye(self.n_classes)[picks]


class LbpTopSVM:
    """LBP-TOP histograms -> standardisation -> SVM (linear or RBF), probability from decision scores."""

    def __init__(self, n_classes: int, kernel: str = "linear", C: float = 1.0, class_balance: str = "weights",
                 seed: int = 0, **_):
        self.n_classes, self.kernel, self.C, self.class_balance, self.seed = n_classes, kernel, C, class_balance, seed

    def fit(self, X, y, epochs=None, val=None):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC, LinearSVC

        cw = "balanced" if self.class_balance != "none" else None
        self.classes_ = np.unique(y)
        if len(self.classes_) == 1:
            self.model = None
            return self
        svm = (LinearSVC(C=self.C, class_weight=cw, random_state=self.seed, max_iter=5000) if self.kernel == "linear"
               else SVC(C=self.C, kernel="rbf", class_weight=cw, random_state=self.seed))
        self.model = make_pipeline(StandardScaler(), svm).fit(X, y)
        return self

    def predict_proba(self, X) -> np.ndarray:
        out = np.zeros((len(X), self.n_classes))
        if self.model is None:
            out[:, self.classes_[0]] = 1.0
            return out
        d = self.model.decision_function(X)
        if d.ndim == 1:  # binary: score of the second class
            d = np.column_stack([-d, d])
        e = np.exp(d - d.max(axis=1, keepdims=True))
        out[:, self.classes_] = e / e.sum(axis=1, keepdims=True)
        return out


@dataclass
class TorchTrainer:
    """The loop every torch baseline shares: seeded, class-balanced, fixed epochs, optional validation."""

    n_classes: int
    epochs: int = 20
    lr: float = 1e-3
    batch_size: int = 32
    weight_decay: float = 1e-4
    class_balance: str = "weights"
    seed: int = 0
    device: str = "cpu"
    history: list = field(default_factory=list)
    on_epoch: object = None  # called with the epoch index after each epoch (progress reporting)

    def run(self, model, batches_of, n: int, y: np.ndarray, epochs: int, val=None):
        """Train ``model``; ``batches_of(idx)`` gives the model's input tuple for rows ``idx``.

        ``val`` = (batches_of_val, n_val, y_val): the validation UF1 of every epoch lands in ``history``.
        """
        import torch

        from ..bench.metrics import confusion, scores

        g = torch.Generator().manual_seed(self.seed)
        model.to(self.device)
        weights = torch.tensor(class_weights(y, self.n_classes), dtype=torch.float32, device=self.device)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weights if self.class_balance == "weights" else None)
        opt = torch.optim.Adam(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        yt = torch.as_tensor(y, dtype=torch.long)
        sample_p = None
        if self.class_balance == "sampler":
            w = class_weights(y, self.n_classes)[y]
            sample_p = torch.tensor(w / w.sum(), dtype=torch.float64)
        self.history = []
        for epoch in range(epochs):
            model.train()
            order = (torch.multinomial(sample_p, n, replacement=True, generator=g) if sample_p is not None
                     else torch.randperm(n, generator=g))
            for start in range(0, n, self.batch_size):
                idx = order[start:start + self.batch_size].numpy()
                if len(idx) < 2:
                    continue
                opt.zero_grad()
                out = model(*[t.to(self.device) for t in batches_of(idx)])
                loss = loss_fn(out, yt[idx].to(self.device))
                loss.backward()
                opt.step()
            if val is not None:
                vb, nv, yv = val
                pred = self.predict(model, vb, nv).argmax(axis=1)
                self.history.append(scores(confusion(yv, pred, self.n_classes))["uf1"])
            if self.on_epoch is not None:
                self.on_epoch(epoch)
        return model

    def predict(self, model, batches_of, n: int) -> np.ndarray:
        import torch

        model.eval()
        outs = []
        with torch.no_grad():
            for start in range(0, n, max(self.batch_size, 64)):
                idx = np.arange(start, min(start + max(self.batch_size, 64), n))
                outs.append(torch.softmax(model(*[t.to(self.device) for t in batches_of(idx)]), dim=1).cpu().numpy())
        return np.concatenate(outs) if outs else np.zeros((0, self.n_classes))


class _TorchBaseline:
    """Shared fit/predict plumbing; subclasses say how to build the model and batch their inputs."""

    def __init__(self, n_classes: int, epochs: int = 20, lr: float = 1e-3, batch_size: int = 32,
                 weight_decay: float = 1e-4, class_balance: str = "weights", seed: int = 0, device: str = "cpu",
                 **params):
        self.n_classes = n_classes
        self.epochs = epochs
        self.params = params
        self.trainer = TorchTrainer(n_classes, epochs, lr, batch_size, weight_decay, class_balance, seed, device)

    def fit(self, X, y, epochs=None, val=None):
        import torch

        torch.manual_seed(self.trainer.seed)
        self.model = self.build()
        v = None if val is None else (self.batches(val[0]), len(val[0]), val[1])
        self.trainer.run(self.model, self.batches(X), len(X), np.asarray(y), epochs or self.epochs, v)
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.trainer.predict(self.model, self.batches(X), len(X))


class VGGApex(_TorchBaseline):
    """VGG-16 on the apex-frame face crop (the paper's second baseline)."""

    def build(self):
        from .models import VGG16, load_torchvision_vgg16

        p = self.params
        model = VGG16(self.n_classes, width=p.get("width", 1.0), hidden=p.get("hidden", 4096))
        self.pretrained = None
        if p.get("pretrained_weights"):
            self.pretrained = load_torchvision_vgg16(model, p["pretrained_weights"])
        return model

    def batches(self, X):
        import torch
        import torch.nn.functional as F

        size = self.params.get("input_size", 224)
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)  # ImageNet normalisation
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

        def of(idx):
            x = torch.from_numpy(np.ascontiguousarray(X[idx])).permute(0, 3, 1, 2).float() / 255.0
            if x.shape[-1] != size:
                x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
            return ((x - mean) / std,)

        return of


class DGCNNGraph(_TorchBaseline):
    """DGCNN on the landmark graphs (the paper's third baseline)."""

    def build(self):
        from .models import DGCNN

        p = self.params
        return DGCNN(p.get("in_channels", 7), self.n_classes, tuple(p.get("channels", (32, 32, 32, 1))),
                     p.get("k", 30), p.get("conv1d", 16), p.get("hidden", 128))

    def batches(self, X):
        from torch_geometric.data import Batch

        def of(idx):
            b = Batch.from_data_list([X[i] for i in idx])
            return b.x, b.edge_index, b.batch

        return of


class STSTNetFlow(_TorchBaseline):
    """STSTNet on onset->apex optical flow and strain (a DFME flow baseline)."""

    def build(self):
        import torch

        from .models import STSTNet

        model = STSTNet(self.n_classes)
        model(torch.zeros(1, 3, self.params.get("input_size", 28), self.params.get("input_size", 28)))  # lazy layer
        return model

    def batches(self, X):
        import torch

        def of(idx):
            return (torch.from_numpy(np.ascontiguousarray(X[idx], dtype=np.float32)).permute(0, 3, 1, 2),)

        return of


ESTIMATORS = {"majority": Majority, "stratified": Stratified, "lbptop-svm": LbpTopSVM, "vgg16": VGGApex,
              "dgcnn": DGCNNGraph, "ststnet": STSTNetFlow}
