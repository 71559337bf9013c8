import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmedbench.release.labels import (EMOTION_ALIASES, LABELS, normalise_emotion, normalise_emotions,
                                      normalise_subject, normalise_subjects)


@pytest.mark.parametrize("spelling,label", [
    ("Happy", "happiness"), ("Happiness", "happiness"), ("Sad", "sadness"), ("Sadness", "sadness"),
    ("Angry", "anger"), ("Anger", "anger"), ("Disgust", "disgust"), ("Fear", "fear"),
    ("Surprise", "surprise"), ("No_Emotion", "no-me"), ("No-ME", "no-me"), ("none", "no-me"),
    ("  HAPPY ", "happiness"), ("no_emotion", "no-me"),
])
def test_emotion_aliases(spelling, label):
    assert normalise_emotion(spelling) == label
    assert normalise_emotions(pd.Series([spelling])).iloc[0] == label


@pytest.mark.parametrize("spelling", ["Happpy", "joy", "", "contempt", "Happy Sad", None, 3])
def test_unknown_emotions_are_not_guessed(spelling):
    assert normalise_emotion(spelling) is None


@pytest.mark.parametrize("spelling,subject", [
    ("Subject_01", "sub_01"), ("Sub_1", "sub_01"), ("1", "sub_01"), (" sub_74 ", "sub_74"),
    ("subject-7", "sub_07"), ("S05", "sub_05"), (12, "sub_12"), ("Sub_100", "sub_100"),
])
def test_subject_spellings(spelling, subject):
    assert normalise_subject(spelling) == subject


@pytest.mark.parametrize("spelling", ["Subject_A", "child 3", "", "1.5", "-2", None, "sub_1_2"])
def test_bad_subjects(spelling):
    assert normalise_subject(spelling) is None


@given(alias=st.sampled_from(sorted(EMOTION_ALIASES)), pad_l=st.text(" \t", max_size=3),
       pad_r=st.text(" \t", max_size=3), data=st.data())
def test_alias_normalisation_ignores_case_and_surrounding_space(alias, pad_l, pad_r, data):
    cased = "".join(c.upper() if data.draw(st.booleans()) else c for c in alias)
    spelled = pad_l + cased + pad_r
    assert normalise_emotion(spelled) == EMOTION_ALIASES[alias]
    assert normalise_emotions(pd.Series([spelled])).iloc[0] == EMOTION_ALIASES[alias]
    assert EMOTION_ALIASES[alias] in LABELS


@given(st.text(max_size=12))
def test_vectorised_and_scalar_normalisation_agree(text):
    assert normalise_emotions(pd.Series([text])).fillna("<NA>").iloc[0] == (normalise_emotion(text) or "<NA>")
    assert normalise_subjects(pd.Series([text])).fillna("<NA>").iloc[0] == (normalise_subject(text) or "<NA>")


@given(n=st.integers(0, 10_000), prefix=st.sampled_from(["", "Sub_", "Subject_", "sub-", "S"]),
       zeros=st.integers(0, 3))
def test_subject_number_round_trip(n, prefix, zeros):
    assert normalise_subject(f"{prefix}{'0' * zeros}{n}") == f"sub_{n:02d}"
