"""Metrics against scikit-learn and hand-computed cases; both aggregations and their stated rules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score

from cmedbench.bench.metrics import (batch_scores, bootstrap_ci, confusion, evaluate_folds, paired_permutation,
                                     per_class, scores)

LABELS = ("a", "b", "c")


def test_hand_computed_case():
    # truth a a a b b c ; pred a a b b c c
    y = np.array([0, 0, 0, 1, 1, 2])
    p = np.array([0, 0, 1, 1, 2, 2])
    cm = confusion(y, p, 3)
    assert cm.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    # F1: a = 2*2/(4+0+1) = 0.8 ; b = 2/(2+1+1) = 0.5 ; c = 2/(2+1+0) = 2/3
    s = scores(cm)
    assert s["uf1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert s["uar"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert s["accuracy"] == pytest.approx(4 / 6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=80))
def test_agrees_with_scikit_learn(pairs):
    y = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    labels = list(range(4))
    cm = confusion(y, p, 4)
    assert np.array_equal(cm, confusion_matrix(y, p, labels=labels))
    pc = per_class(cm)
    assert np.allclose(pc["precision"], precision_score(y, p, labels=labels, average=None, zero_division=0))
    assert np.allclose(pc["recall"], recall_score(y, p, labels=labels, average=None, zero_division=0))
    assert np.allclose(pc["f1"], f1_score(y, p, labels=labels, average=None, zero_division=0))
    present = sorted(set(y.tolist()))  # our UF1/UAR average over classes with true samples
    s = scores(cm)
    assert s["uf1"] == pytest.approx(f1_score(y, p, labels=present, average="macro", zero_division=0))
    assert s["uar"] == pytest.approx(recall_score(y, p, labels=present, average="macro", zero_division=0))
    assert s["accuracy"] == pytest.approx(accuracy_score(y, p))
    uf1, uar = batch_scores(cm[None])
    assert uf1[0] == pytest.approx(s["uf1"]) and uar[0] == pytest.approx(s["uar"])


def test_pooled_vs_mean_over_folds_differ_and_follow_the_stated_rule():
    # fold 1: a a b (pred a a a); fold 2: a c (pred a c)
    y = np.array([0, 0, 1, 0, 2])
    p = np.array([0, 0, 0, 0, 2])
    folds = np.array(["f1", "f1", "f1", "f2", "f2"])
    r = evaluate_folds(y, p, folds, folds, LABELS, n_boot=50)
    # pooled: cm a->a 3, b->a 1, c->c 1. F1 a = 6/(6+1+0)=6/7, b = 0, c = 1
    assert r["pooled"]["uf1"] == pytest.approx((6 / 7 + 0 + 1) / 3)
    assert r["pooled"]["uar"] == pytest.approx((1 + 0 + 1) / 3)
    # fold f1 has classes a, b present (c absent -> skipped): F1 a = 4/5, b = 0 -> 0.4; recall (1 + 0)/2
    # fold f2 has a, c present: both perfect -> 1
    assert r["per_fold"][0]["uf1"] == pytest.approx(0.4) and r["per_fold"][1]["uf1"] == pytest.approx(1.0)
    assert r["mean_over_folds"]["uf1"] == pytest.approx(0.7)
    assert r["mean_over_folds"]["uar"] == pytest.approx((0.5 + 1.0) / 2)
    assert r["absent_classes"] == []


def test_class_absent_from_all_truth_is_named_and_left_out():
    y = np.array([0, 0, 1, 1])
    p = np.array([0, 2, 1, 1])  # predicts class c which never occurs
    r = evaluate_folds(y, p, np.array(["x"] * 4), np.array(["s1", "s1", "s2", "s2"]), LABELS, n_boot=20)
    assert r["absent_classes"] == ["c"]
    assert r["pooled"]["uf1"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert r["per_class"]["c"]["support"] == 0 and r["per_class"]["c"]["f1"] == 0.0


def test_worst_subject_and_per_subject_confusion():
    y = np.array([0, 1, 0, 1])
    p = np.array([0, 1, 1, 1])
    subj = np.array(["s1", "s1", "s2", "s2"])
    r = evaluate_folds(y, p, subj, subj, ("a", "b"), n_boot=20)
    assert r["worst_subject"] == {"subject": "s2", "uar": 0.5}
    assert r["per_subject_confusion"]["s2"] == [[0, 1], [0, 1]]


def test_bootstrap_ci_brackets_the_estimate_and_is_seeded():
    rng = np.random.default_rng(1)
    cms = rng.integers(0, 20, size=(15, 3, 3))
    a, b = bootstrap_ci(cms, 500, seed=3), bootstrap_ci(cms, 500, seed=3)
    assert a == b
    point = scores(cms.sum(axis=0))
    assert a["uf1"][0] <= point["uf1"] <= a["uf1"][1]
    assert a["uar"][0] <= point["uar"] <= a["uar"][1]
    same = bootstrap_ci(np.repeat(cms[:1], 15, axis=0), 200)
    assert same["uf1"][0] == pytest.approx(same["uf1"][1])  # identical subjects: no spread


def test_paired_permutation():
    rng = np.random.default_rng(0)
    truth = rng.integers(5, 15, size=(20, 3))
    good = np.stack([np.diag(t) for t in truth])  # perfect
    bad = np.stack([np.tile(t[:, None], (1, 3)) // 3 for t in truth])  # spread evenly
    bad[:, :, 0] += truth - bad.sum(axis=2)  # keep row sums = truth
    r = paired_permutation(good, bad, n_perm=2000)
    assert r["uf1"]["difference"] > 0.5 and r["uf1"]["p_value"] < 0.01
    same = paired_permutation(good, good, n_perm=500)
    assert same["uf1"]["difference"] == 0 and same["uf1"]["p_value"] == 1.0
