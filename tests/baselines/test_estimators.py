"""The estimators follow scikit-learn's conventions: explicit keywords, work in fit, fitted attributes
ending in _, clone works."""

import inspect

import numpy as np
import pytest
from sklearn.base import clone

from cmedbench.baselines.params import preset_values
from cmedbench.baselines.registry import BASELINES, RUNTIME_PARAMS

SPECS = list(BASELINES.values())


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_clone_keeps_every_param(spec):
    cls = spec.estimator_class()
    params = {k: v for k, v in preset_values(spec, "paper").items() if k in inspect.signature(cls).parameters} \
        if spec.paper else {}
    est = cls(n_classes=3, **params)
    copy = clone(est)
    assert copy is not est and copy.get_params() == est.get_params()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_keywords_are_explicit(spec):
    cls = spec.estimator_class()
    kinds = {p.kind for p in inspect.signature(cls).parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds and inspect.Parameter.VAR_POSITIONAL not in kinds
    with pytest.raises(TypeError):
        cls(n_classes=3, epohcs=5)  # a typo is an error, not silently ignored
    assert "n_classes" in inspect.signature(cls).parameters
    assert set(inspect.signature(cls).parameters) - set(RUNTIME_PARAMS) == set(preset_values(spec, "default")) - (
        {spec.tunes.grid} if spec.tunes and spec.tunes.grid else set())


def _fitted_attrs(est) -> set[str]:
    return {k for k in vars(est) if k not in est.get_params()}


@pytest.mark.parametrize("name", ["majority", "stratified", "lbptop-svm"])
def test_work_happens_in_fit_and_fitted_attributes_end_in_underscore(name):
    cls = BASELINES[name].estimator_class()
    est = cls(n_classes=3)
    assert _fitted_attrs(est) == set()  # __init__ only stores params
    X = np.random.default_rng(0).normal(size=(30, 4))
    y = np.arange(30) % 3
    est.fit(X, y)
    assert _fitted_attrs(est) and all(a.endswith("_") for a in _fitted_attrs(est))
    proba = est.predict_proba(X)
    assert proba.shape == (30, 3) and np.allclose(proba.sum(1), 1) and est.predict(X).shape == (30,)


def test_torch_estimator_fits_with_fitted_attributes_only():
    cls = BASELINES["ststnet"].estimator_class()
    est = cls(n_classes=3, epochs=2)
    X = np.random.default_rng(0).normal(size=(12, 28, 28, 3)).astype(np.float32)
    y = np.arange(12) % 3
    est.fit(X[:8], y[:8], val=(X[8:], y[8:]))
    assert {a for a in _fitted_attrs(est)} == {"model_", "history_"} and len(est.history_) == 2
    assert est.predict_proba(X).shape == (12, 3)


def test_linear_svm_keeps_the_dual_solver_when_rows_outnumber_bins():
    """sklearn's dual="auto" would switch to the primal solver here (the full-size release's folds: 10x slower)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 5)), np.arange(60) % 3
    est = BASELINES["lbptop-svm"].estimator_class()(n_classes=3).fit(X, y)
    oracle = make_pipeline(StandardScaler(), LinearSVC(C=0.01, class_weight="balanced", random_state=0,
                                                       max_iter=5000, dual=True)).fit(X, y)
    assert est.model_[-1].dual is True
    np.testing.assert_array_equal(est.model_.decision_function(X), oracle.decision_function(X))
