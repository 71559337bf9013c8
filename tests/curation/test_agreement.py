import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from cmedbench.curation.agreement import cohen_kappa, fleiss_kappa, rating_counts

# Fleiss (1971) / the textbook worked example: 10 items, 14 raters, 5 categories; kappa = 0.210
FLEISS_EXAMPLE = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                  [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def test_fleiss_kappa_hand_computed():
    assert fleiss_kappa(FLEISS_EXAMPLE) == pytest.approx(0.2099, abs=5e-4)


def test_fleiss_small_case_by_hand():
    # 3 items, 2 raters: agree, agree, disagree over 2 categories
    counts = [[2, 0], [0, 2], [1, 1]]
    # P_i = 1, 1, 0 -> P_bar = 2/3; p = (3/6, 3/6) -> P_e = 1/2; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert fleiss_kappa(counts) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 0], [1, 0]])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), min_size=2, max_size=40))
def test_cohen_kappa_equals_scikit_learn(pairs):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    ours = cohen_kappa(a, b)
    theirs = cohen_kappa_score(a, b)
    if np.isnan(theirs):
        return
    assert ours == pytest.approx(theirs)


def test_rating_counts():
    assert rating_counts([["a", "b"], ["b", "b"]], ["a", "b"]).tolist() == [[1, 1], [0, 2]]
