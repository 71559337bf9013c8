"""The interval tasks. ``me-spotting-long`` scores intervals only (every event, ME or macro);
``spot-then-recognize`` scores intervals and their class, on the events whose class the emotion-3 map
of ``bench/tasks.yaml`` names (negative, positive, surprise: MEGC 2023's STR classes)."""

from __future__ import annotations

from dataclasses import dataclass

from ..bench.tasks import get_task


class UnknownSpottingTask(KeyError):
    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class SpottingTask:
    name: str
    description: str
    labelled: bool  # spotted intervals carry a class
    allow_overlap: bool = False  # may spotted intervals of one video overlap

    @property
    def labels(self) -> tuple[str, ...]:
        return get_task("emotion-3").labels if self.labelled else ()

    def label_of(self, emotion: str) -> str | None:
        """The task's class of an event's emotion; None leaves the event out of the task."""
        if not self.labelled:
            return "interval"
        three = get_task("emotion-3")
        return emotion if emotion in three.labels else three.label_of(emotion)  # CAS(ME)^2 codes 3 classes


SPOTTING_TASKS = {
    "me-spotting-long": SpottingTask("me-spotting-long", "intervals of every expression in untrimmed video "
                                     "(MEGC 2020-2022 spotting)", labelled=False),
    "spot-then-recognize": SpottingTask("spot-then-recognize", "intervals and their 3-class emotion "
                                        "(MEGC 2023- STR; STRS = F1 spotting x F1 analysis)", labelled=True),
}


def get_spotting_task(name: str) -> SpottingTask:
    try:
        return SPOTTING_TASKS[name]
    except KeyError:
        raise UnknownSpottingTask(f"unknown interval task {name!r}; known: {', '.join(SPOTTING_TASKS)}") from None
