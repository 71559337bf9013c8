"""The canonical ``action_units`` cell of a sample table: FACS AU numbers, sorted, unique, joined by "+".

``"4+12"`` is AU4 and AU12, ``""`` a sample coded with no AU, and a missing value (``NA``; in a CSV
file the text ``NA``) a sample that was not coded. Only this canonical form is read here: dataset
spellings (``L4+R12``, ``AU12``, ``12?``) are the adapters' job, which write this form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CANONICAL = re.compile(r"^(?:[1-9][0-9]{0,2}(?:\+[1-9][0-9]{0,2})*)?$")
NOT_CODED = frozenset({"NA", "<NA>", "nan", "NaN"})


class ActionUnitError(ValueError):
    """A cell that is not in the canonical form (the message says what is wrong with it)."""


def format_aus(aus: Iterable[int | str]) -> str:
    """Canonical string of AU numbers or ``AUn`` names: ``["AU12", "AU4"] -> "4+12"``."""
    numbers = set()
    for au in aus:
        text = str(au).strip()
        text = text[2:] if text.upper().startswith("AU") else text
        if not text.isdigit() or int(text) < 1:
            raise ActionUnitError(f"{au!r} is not an action unit number")
        numbers.add(int(text))
    return "+".join(str(n) for n in sorted(numbers))


def parse_aus(cell: object) -> frozenset[int] | None:
    """The AU numbers of one canonical cell; None when not coded. ActionUnitError when malformed."""
    if cell is None or (not isinstance(cell, str) and _is_na(cell)):
        return None
    if not isinstance(cell, str):
        raise ActionUnitError(f"{cell!r} is not text")
    if cell in NOT_CODED:
        return None
    if not _CANONICAL.match(cell):
        raise ActionUnitError(f"{cell[:40]!r} is not canonical (AU numbers joined by '+', e.g. '4+12')")
    numbers = [int(x) for x in cell.split("+")] if cell else []
    if numbers != sorted(set(numbers)):
        raise ActionUnitError(f"{cell!r} is not canonical (numbers must be sorted and unique: "
                              f"{format_aus(numbers)!r})")
    return frozenset(numbers)


def _is_na(value: object) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
