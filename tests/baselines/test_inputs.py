"""Training inputs where the model is: moved to the device once when they fit its budget, else streamed
through a DataLoader (workers, prefetch; pinned memory on CUDA) with the same batches and the same
predictions; torch.compile as an opt-in that runs where the platform supports it."""

import numpy as np
import pytest
import torch

from cmedbench.baselines import compiled as compiled_module
from cmedbench.baselines.compiled import CompileUnavailable, compile_problem
from cmedbench.baselines.inputs import (
    BUDGET_ENV,
    WORKERS_ENV,
    BudgetError,
    device_budget_bytes,
    place,
)
from cmedbench.baselines.registry import BASELINES


def _graphs(n: int, rng):
    from torch_geometric.data import Data

    nodes = 12
    src = torch.arange(nodes).repeat_interleave(3)
    dst = (src + torch.tensor([1, 2, 3]).repeat(nodes)) % nodes
    edges = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    return [Data(x=torch.from_numpy(rng.normal(size=(nodes, 5)).astype(np.float32)), edge_index=edges)
            for _ in range(n)]


def _inputs(name: str, n: int):
    rng = np.random.default_rng(1)
    if name == "vgg16":
        return rng.integers(0, 255, size=(n, 36, 36, 3), dtype=np.uint8), {"input_size": 32, "epochs": 2}
    if name == "dgcnn":
        return _graphs(n, rng), {"epochs": 3, "k": 12}
    return rng.normal(size=(n, 20, 20, 3)).astype(np.float32), {"epochs": 3}


def _fit_predict(name, X, y, params, **changes):
    est = BASELINES[name].estimator_class()(n_classes=3, batch_size=4, **params, **changes)
    est.fit(X[:18], y[:18], val=(X[18:], y[18:]))
    return est, est.predict_proba(X[18:])


@pytest.mark.parametrize("name", ["vgg16", "dgcnn", "ststnet"])
def test_streamed_inputs_train_to_the_same_predictions(name, monkeypatch):
    X, params = _inputs(name, 24)
    y = np.arange(24) % 3
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    est, in_memory = _fit_predict(name, X, y, params)
    assert not est._batches(X).streamed
    monkeypatch.setenv(BUDGET_ENV, "0")  # nothing fits: every batch comes through the DataLoader
    monkeypatch.setenv(WORKERS_ENV, "1")  # a worker process with prefetch, as on a GPU machine
    est_streamed, streamed = _fit_predict(name, X, y, params)
    assert est_streamed._batches(X).streamed
    np.testing.assert_array_equal(streamed, in_memory)
    assert est_streamed.history_ == est.history_


def test_feed_yields_the_batches_in_the_order_asked(monkeypatch):
    host = torch.arange(40, dtype=torch.float32).view(10, 4)
    order = [np.array([3, 1]), np.array([9, 0, 5]), np.array([2])]
    monkeypatch.setenv(BUDGET_ENV, "0")
    monkeypatch.setenv(WORKERS_ENV, "2")
    feed = place(host, lambda rows, idx: (rows,), "cpu")
    assert feed.streamed
    for idx, (rows,) in zip(order, feed.batches(order)):
        torch.testing.assert_close(rows, host[torch.as_tensor(idx)])
    monkeypatch.setenv(BUDGET_ENV, "1")  # 1 MiB holds 160 bytes
    assert not place(host, lambda rows, idx: (rows,), "cpu").streamed


def test_budget_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    assert device_budget_bytes("cpu") == float("inf")
    monkeypatch.setenv(BUDGET_ENV, "2.5")
    assert device_budget_bytes("cpu") == 2.5 * 2**20
    monkeypatch.setenv(BUDGET_ENV, "lots")
    with pytest.raises(BudgetError, match=BUDGET_ENV):
        device_budget_bytes("cpu")


def test_compile_is_refused_clearly_where_the_platform_cannot(monkeypatch):
    monkeypatch.setattr(compiled_module, "compile_problem", lambda: "no C++ compiler here")
    X, params = _inputs("ststnet", 24)
    with pytest.raises(CompileUnavailable, match="no C\\+\\+ compiler here"):
        _fit_predict("ststnet", X, np.arange(24) % 3, {**params, "epochs": 1}, compile=True)


@pytest.mark.skipif(compile_problem() is not None, reason=f"torch.compile unsupported here: {compile_problem()}")
def test_compiled_training_runs_and_keeps_the_plain_module():
    X, params = _inputs("ststnet", 24)
    est, probs = _fit_predict("ststnet", X, np.arange(24) % 3, {**params, "epochs": 1}, compile=True)
    assert probs.shape == (6, 3) and np.isfinite(probs).all()
    assert not any(k.startswith("_orig_mod.") for k in est.model_.state_dict())  # checkpoints stay loadable
