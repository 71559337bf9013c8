"""The training loop every torch baseline shares: seeded, class-balanced, a fixed number of epochs, an
optional validation set whose UF1 is recorded after each epoch (inner validation picks the epoch count
from it). Class imbalance is explicit: ``weights`` (loss weighted by inverse class frequency),
``sampler`` (balanced sampling) or ``none``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .compiled import compiled
from .inputs import iterate

CLASS_BALANCE = ("weights", "sampler", "none")


def effective_precision(precision: str, device: str) -> str:
    """``auto`` is bf16 on CUDA (tensor cores) and fp32 on the CPU (bf16 there is slower on most CPUs)."""
    if precision == "auto":
        return "bf16" if device.startswith("cuda") else "fp32"
    return precision


def class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """n / (C * count): sklearn's 'balanced'; classes absent from training get weight 0."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    present = counts > 0
    w = np.zeros(n_classes)
    w[present] = len(y) / (present.sum() * counts[present])
    return w


@dataclass
class TorchTrainer:
    n_classes: int
    lr: float = 1e-3
    batch_size: int = 32
    weight_decay: float = 1e-4
    class_balance: str = "weights"
    seed: int = 0
    device: str = "cpu"
    on_epoch: Callable[[int], None] | None = None  # called with the epoch index after each epoch
    history: list = field(default_factory=list)
    precision: str = "fp32"  # fp32, bf16 (autocast) or auto (effective_precision)
    compile: bool = False  # train through torch.compile (compiled.py); predictions use the plain module

    def _autocast(self):
        import torch

        bf16 = effective_precision(self.precision, self.device) == "bf16"
        return torch.autocast(torch.device(self.device).type, dtype=torch.bfloat16, enabled=bf16)

    def run(self, model, batches_of, n: int, y: np.ndarray, epochs: int, val=None):
        """Train ``model``; ``batches_of`` (an `inputs.Feed`, or a callable ``batches_of(idx)``) gives the
        model's input tuple for rows ``idx``.

        ``val`` = (batches_of_val, n_val, y_val): the validation UF1 of every epoch lands in ``history``.
        """
        import torch

        from ..bench.metrics import confusion, scores

        g = torch.Generator().manual_seed(self.seed)
        model.to(self.device)
        forward = compiled(model) if self.compile else model
        weights = torch.tensor(class_weights(y, self.n_classes), dtype=torch.float32, device=self.device)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weights if self.class_balance == "weights" else None)
        opt = torch.optim.Adam(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        yt = torch.as_tensor(y, dtype=torch.long, device=self.device)
        sample_p = None
        if self.class_balance == "sampler":
            w = class_weights(y, self.n_classes)[y]
            sample_p = torch.tensor(w / w.sum(), dtype=torch.float64)
        self.history = []
        for epoch in range(epochs):
            model.train()
            order = (torch.multinomial(sample_p, n, replacement=True, generator=g) if sample_p is not None
                     else torch.randperm(n, generator=g))
            steps = [order[s:s + self.batch_size].numpy() for s in range(0, n, self.batch_size)]
            steps = [idx for idx in steps if len(idx) >= 2]
            for idx, inputs in zip(steps, iterate(batches_of, steps)):
                opt.zero_grad()
                with self._autocast():
                    out = forward(*[t.to(self.device) for t in inputs])
                    loss = loss_fn(out.float(), yt[torch.as_tensor(idx, device=self.device)])
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
        size = max(self.batch_size, 64)
        steps = [np.arange(start, min(start + size, n)) for start in range(0, n, size)]
        outs = []
        with torch.inference_mode(), self._autocast():  # no autograd records at all (no_grad still keeps some)
            for inputs in iterate(batches_of, steps):
                outs.append(torch.softmax(model(*[t.to(self.device) for t in inputs]).float(), dim=1).cpu().numpy())
        return np.concatenate(outs) if outs else np.zeros((0, self.n_classes))
