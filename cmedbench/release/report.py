"""The validation verdict: a list of located problems grouped into named checks.

Every problem names where it is (file, CSV line, column, value) so a user can fix it without
re-running anything; the report is plain data so it serialises to JSON unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..problems import Problem, Severity  # noqa: F401  (re-exported: the report's unit)

Status = Literal["pass", "fail", "warn", "skip"]


@dataclass
class Check:
    name: str
    description: str
    status: Status = "pass"
    detail: str = ""
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    release: str
    profile: str
    checks: list[Check] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def add_check(self, name: str, description: str) -> Check:
        check = Check(name, description)
        self.checks.append(check)
        return check

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    def skip(self, name: str, description: str, why: str) -> None:
        check = self.add_check(name, description)
        check.status, check.detail = "skip", why

    def settle(self) -> None:
        """Derive each check's status from its problems (fail on any error, warn on warnings only)."""
        for check in self.checks:
            if check.status == "skip":
                continue
            mine = [p for p in self.problems if p.check == check.name]
            errors = sum(p.severity == "error" for p in mine)
            warnings = len(mine) - errors
            check.counts.update(errors=errors, warnings=warnings)
            check.status = "fail" if errors else ("warn" if warnings else "pass")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "profile": self.profile,
            "valid": self.valid,
            "n_errors": len(self.errors),
            "n_warnings": len(self.warnings),
            "summary": self.summary,
            "checks": [asdict(c) for c in self.checks],
            "problems": [asdict(p) for p in self.problems],
        }
