"""Canonical emotion labels and subject ids, and the one alias table that maps release spellings to them.

Every spelling a release may use is listed here explicitly; anything not listed is an error that names
its row (see ``normalise_emotions`` / ``normalise_subjects``), never a silent drop or a guess.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# The seven classes of the paper (Table II): six emotions and the No-ME class.
EMOTIONS: tuple[str, ...] = ("anger", "disgust", "fear", "happiness", "sadness", "surprise")
NO_ME = "no-me"
LABELS: tuple[str, ...] = EMOTIONS + (NO_ME,)

# Classes other micro-expression datasets publish that CMED has no class for (cmedbench.datasets
# imports them as published, lower-case): CASME II repression/others, SAMM and DFME contempt,
# SMIC's three classes, CAS(ME)^3 others. Only the sample table accepts them; CMED's metadata CSV does not.
DATASET_EMOTIONS: tuple[str, ...] = ("contempt", "repression", "others", "negative", "positive")
TABLE_EMOTIONS: tuple[str, ...] = LABELS + DATASET_EMOTIONS

# Spellings seen in the CMED paper (Table II/V headers), the user guide (Happy, Sad, No_Emotion) and
# the usual variants. Keys are compared after lower-casing and stripping surrounding spaces.
EMOTION_ALIASES: dict[str, str] = {
    "anger": "anger",
    "angry": "anger",
    "disgust": "disgust",
    "disgusted": "disgust",
    "fear": "fear",
    "fearful": "fear",
    "afraid": "fear",
    "happiness": "happiness",
    "happy": "happiness",
    "sadness": "sadness",
    "sad": "sadness",
    "surprise": "surprise",
    "surprised": "surprise",
    "no-me": "no-me",
    "no_me": "no-me",
    "no me": "no-me",
    "no_emotion": "no-me",
    "no-emotion": "no-me",
    "no emotion": "no-me",
    "noemotion": "no-me",
    "none": "no-me",
    "neutral": "no-me",
}

# Subject spellings: Subject_01 (user guide), Sub_1 (paper, Table V), 1, S01, subject-1.
_SUBJECT_RE = re.compile(r"^(?:(?:sub(?:ject)?|s)[\s_-]*)?0*(\d+)$", re.IGNORECASE | re.ASCII)


def canonical_subject_number(n: int) -> str:
    """``sub_01``: zero-padded to two digits so that lexical and numeric order agree for CMED's 74."""
    return f"sub_{int(n):02d}"


def normalise_emotion(value: object) -> str | None:
    """Canonical label of one spelling, or None when the spelling is unknown."""
    if not isinstance(value, str):
        return None
    return EMOTION_ALIASES.get(value.strip().lower())


def normalise_subject(value: object) -> str | None:
    """Canonical subject id of one spelling, or None when it is not a recognised subject spelling."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return canonical_subject_number(int(value)) if value >= 0 else None
    if not isinstance(value, str):
        return None
    m = _SUBJECT_RE.match(value.strip())
    return canonical_subject_number(int(m.group(1))) if m else None


def normalise_emotions(values: pd.Series) -> pd.Series:
    """Vectorised ``normalise_emotion``: unknown spellings become <NA> (the caller reports them)."""
    keys = values.astype("string").str.strip().str.lower()
    return keys.map(EMOTION_ALIASES).astype("string")


def normalise_subjects(values: pd.Series) -> pd.Series:
    """Vectorised ``normalise_subject``: unrecognised spellings become <NA> (the caller reports them)."""
    digits = values.astype("string").str.strip().str.extract(_SUBJECT_RE, expand=False)
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    ok = digits.notna()
    out[ok] = "sub_" + digits[ok].astype("int64").astype("string").str.zfill(2)
    return out


def did_you_mean(value: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """Closest choice to a misspelling, for error hints."""
    import difflib

    hit = difflib.get_close_matches(str(value).strip().lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not hit:
        return None
    return next(c for c in choices if c.lower() == hit[0])
