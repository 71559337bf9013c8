"""Action-unit strings as the datasets publish them, turned into the one canonical form.

Published forms: CASME II ``4+9+R10``, SAMM ``R12 + R15`` / ``L4+R12`` / ``R14A`` (side, intensity
letter A-E), ``AU12`` prefixes, an uncertain code ``12?``, CAS(ME)^3 ``L1+L2`` or comma lists, DFME
``AU6+AU12`` and a side as ``L-AU12`` (the paper's tables; the cell format is unconfirmed), and a
spreadsheet cell holding a bare number (``12`` or ``12.0``). FACS movement codes (DFME's ``M57``,
``M58``) are not AUs: they stay in the published cell and are left out of the canonical string. The canonical string (the contract with
the AU task) is the AU numbers as sorted unique integers joined by ``+`` (``4+12``): sides,
intensities and the uncertainty mark are dropped, an uncertain code counts as coded; ``""`` means
coded with no AU, ``NA`` (None here) means the dataset does not code AUs.

Alternatives (``R12 or R15``) have no single reading: they are refused, and an erratum (with its
source) fixes the cell, as meb does for five SAMM rows.
"""

from __future__ import annotations

import math
import re

from ..action_units import ActionUnitError, format_aus

_TOKEN = re.compile(r"^(?:AU)?\s*([LRBTU])?\s*-?\s*(?:AU)?\s*(\d{1,3})\s*([A-E])?\s*(\?)?$", re.IGNORECASE)
_MOVEMENT = re.compile(r"^M\s*\d{1,3}$", re.IGNORECASE)  # FACS movement codes (DFME's M57, M58): not AUs
_BLANK = {"", "/", "-", "none", "nan"}


class AUStringError(ValueError):
    """An action-unit cell with no single reading; ``token`` is the part that failed."""

    def __init__(self, value: object, token: str, why: str):
        super().__init__(f"action units {str(value)!r}: {why}")
        self.value, self.token = value, token


def parse_action_units(value: object) -> tuple[int, ...]:
    """The AU numbers a published cell codes, sorted and unique; AUStringError when unreadable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    if isinstance(value, bool):
        raise AUStringError(value, str(value), "not an action-unit code")
    if isinstance(value, (int, float)):
        if float(value) != int(value) or value < 0:
            raise AUStringError(value, str(value), "a number cell must be a whole AU number")
        return (int(value),)
    text = str(value).strip()
    if text.lower() in _BLANK:
        return ()
    if re.search(r"\bor\b|/", text, re.IGNORECASE):
        raise AUStringError(value, text, "alternatives ('or') have no single reading; fix the cell with an erratum")
    numbers = set()
    for token in re.split(r"[+,;]", text):
        token = token.strip()
        if not token:
            raise AUStringError(value, token, "empty code between separators")
        if _MOVEMENT.match(token):
            continue
        match = _TOKEN.match(token)
        if not match:
            raise AUStringError(value, token, f"{token!r} is not an AU code (forms: 12, AU12, L4, R14A, 12?)")
        numbers.add(int(match.group(2)))
    return tuple(sorted(numbers))


def canonical_action_units(value: object) -> str:
    """The canonical string of a published cell: ``"4+12"``; ``""`` when it codes no AU.

    The canonical form itself is written by ``cmedbench.action_units`` (the one writer the AU task
    reads back); a code it refuses (AU 0) is an AUStringError here, like any unreadable cell.
    """
    numbers = parse_action_units(value)
    try:
        return format_aus(numbers)
    except ActionUnitError as exc:
        raise AUStringError(value, str(value), str(exc)) from None
