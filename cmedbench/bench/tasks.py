"""Tasks: which samples a task scores and what label each one carries (defined in tasks.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    labels: tuple[str, ...]
    emotion_map: tuple[tuple[str, str], ...]

    def label_of(self, emotion: str) -> str | None:
        """The task label of a canonical emotion, or None when the task excludes it."""
        return dict(self.emotion_map).get(emotion)

    @property
    def excluded(self) -> tuple[str, ...]:
        from ..release.labels import LABELS

        mapped = dict(self.emotion_map)
        return tuple(e for e in LABELS if e not in mapped)


class UnknownTask(KeyError):
    pass


@lru_cache(maxsize=None)
def tasks() -> dict[str, Task]:
    import yaml

    data = yaml.safe_load(resources.files("cmedbench.bench").joinpath("tasks.yaml").read_text("utf-8"))
    out = {}
    for name, spec in data.items():
        if spec.get("kind", "classification") != "classification":
            continue  # multi-label tasks (AU detection) are read by their own module (au_task.py)
        labels = tuple(spec["labels"])
        emap = tuple(spec["map"].items())
        assert set(dict(emap).values()) <= set(labels), f"task {name}: map uses labels outside its list"
        out[name] = Task(name, spec.get("description", ""), labels, emap)
    return out


def get_task(name: str) -> Task:
    try:
        return tasks()[name]
    except KeyError:
        raise UnknownTask(f"unknown task {name!r}; known: {', '.join(tasks())}") from None
