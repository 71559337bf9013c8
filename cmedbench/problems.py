"""A located problem: the one unit every checker reports (release validation, submission parsing,
leaderboard checks), so every front end prints and serialises problems the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    check: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None  # 1-based line of the metadata CSV, header is line 1
    column: str | None = None
    value: Any = None
    subject: str | None = None  # the row's subject and clip file name, as the metadata CSV spells them,
    clip: str | None = None  # so a curator can find the clip without counting lines

    def location(self) -> str:
        parts = [self.file or ""]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.subject or self.clip:
            parts.append(" / ".join(x for x in (self.subject, self.clip) if x))
        return ", ".join(p for p in parts if p)
