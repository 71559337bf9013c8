"""A dataset's label map, errata and facts as data (``maps/<name>.yaml``), checked on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from ..release.labels import TABLE_EMOTIONS

ERRATUM_FIELDS = ("onset", "apex", "offset", "action_units", "emotion")


class UnknownDataset(KeyError):
    """A dataset name with no adapter."""

    def __str__(self) -> str:
        return str(self.args[0])


class SpecError(ValueError):
    """A label-map file that is malformed (a packaging fault, not the user's data)."""


@dataclass(frozen=True)
class Erratum:
    line: int  # the spreadsheet line the erratum fixes (as the spreadsheet program numbers lines)
    field: str
    value: Any
    source: str
    clip: str | None = None  # when known, the clip the line must hold (guards against another file version)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    fps: float
    emotions: dict[str, str]  # published spelling (lower-case) -> sample-table emotion
    subject_prefix: str
    errata: tuple[Erratum, ...] = ()
    profile: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def emotion_of(self, published: object) -> str | None:
        if not isinstance(published, str):
            return None
        return self.emotions.get(published.strip().lower())

    def errata_for(self, line: int | None) -> list[Erratum]:
        return [e for e in self.errata if line is not None and e.line == line]


def load_spec(name: str) -> DatasetSpec:
    """The packaged spec of ``name``; UnknownDataset for a name without one."""
    from . import ADAPTERS

    if name not in ADAPTERS:
        raise UnknownDataset(f"unknown dataset {name!r}; known: {', '.join(ADAPTERS)}")
    text = resources.files("cmedbench.datasets").joinpath("maps", f"{name}.yaml").read_text("utf-8")
    return parse_spec(yaml.safe_load(text), name)


def parse_spec(data: dict, where: str) -> DatasetSpec:
    try:
        emotions = {str(k).strip().lower(): str(v) for k, v in data["emotions"].items()}
        bad = sorted(set(emotions.values()) - set(TABLE_EMOTIONS))
        if bad:
            raise SpecError(f"{where}: emotions map to unknown classes {bad}")
        errata = []
        for i, e in enumerate(data.get("errata") or []):
            if e.get("field") not in ERRATUM_FIELDS or not e.get("source") or "line" not in e:
                raise SpecError(f"{where}: erratum {i + 1} needs line, field ({', '.join(ERRATUM_FIELDS)}), "
                                "value and source")
            errata.append(Erratum(int(e["line"]), e["field"], e.get("value"), str(e["source"]), e.get("clip")))
        return DatasetSpec(str(data["name"]), str(data["title"]), float(data["fps"]), emotions,
                           str(data["subject_prefix"]), tuple(errata), dict(data.get("profile") or {}), data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, SpecError):
            raise
        raise SpecError(f"{where}: malformed dataset spec ({exc!r})") from None
