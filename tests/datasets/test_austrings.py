"""The AU-string parser: every published form to the canonical string, the unreadable ones refused."""

import pytest

from cmedbench.datasets.austrings import AUStringError, canonical_action_units

CASES = [
    ("L4+R12", "4+12"), ("AU12", "12"), ("12?", "12"), ("R12 + R15", "12+15"), ("R14A", "14"),
    ("4+9+R10", "4+9+10"), ("AU1+AU2,AU4", "1+2+4"), ("12+4+4", "4+12"), (12, "12"), (12.0, "12"),
    ("", ""), ("/", ""), (None, ""), ("l4 + au 7", "4+7"),
]


@pytest.mark.parametrize("published,canonical", CASES)
def test_published_forms(published, canonical):
    assert canonical_action_units(published) == canonical


@pytest.mark.parametrize("bad", ["R12 or R15", "4++5", "X7", "12.5", 12.5, "AU", True])
def test_unreadable_forms_are_refused_with_the_token(bad):
    with pytest.raises(AUStringError) as info:
        canonical_action_units(bad)
    assert str(bad) in str(info.value)


def test_canonical_form_comes_from_the_one_writer():
    """The importer's canonical string is the AU task's own format (cmedbench.action_units)."""
    from cmedbench.action_units import format_aus, parse_aus

    assert canonical_action_units("R14A+4+L4") == format_aus([14, 4]) == "4+14"
    assert parse_aus(canonical_action_units("AU6+AU12")) == {6, 12}
    with pytest.raises(AUStringError):  # AU 0 is not a FACS action unit: refused at import, not later
        canonical_action_units("0")
