"""Release profiles: what a specific release must contain (class, subject and frame counts), as data.

A profile is a YAML file (``profiles/<name>.yaml`` in the package, or any path). ``cmed-v1`` encodes
Tables II-V of the CMED paper; the synthetic generator writes one for each release it makes, so both
are checked by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..bench.tasks import get_task
from .labels import EMOTIONS, LABELS, NO_ME, normalise_emotion, normalise_subject
from .report import Problem, Report

# Table III's merge, as the emotion-3 task defines it in bench/tasks.yaml (its one home), over CMED's
# labels (the task also maps classes only imported datasets have: contempt, repression, ...).
THREE_CLASS: dict[str, str] = {e: g for e, g in get_task("emotion-3").emotion_map if e in LABELS}
AUTO = "auto"
RELEASE_PROFILE = "profile.yaml"  # a release may carry its own profile (synthetic releases do)
DEFAULT_PROFILE = "cmed-v1"


class ProfileError(ValueError):
    """A profile file that is missing or malformed."""


@dataclass
class Profile:
    name: str
    description: str = ""
    classes: dict[str, int] | None = None
    total: int | None = None
    total_emotion: int | None = None
    three_class: dict[str, int] | None = None
    frames: dict[str, dict[str, float]] | None = None
    avg_tolerance: float = 0.5
    subject_counts: pd.DataFrame | None = None  # index canonical subject, columns LABELS
    raw: dict[str, Any] = field(default_factory=dict)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.raw, sort_keys=False)


def available_profiles() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("cmedbench.release").joinpath("profiles").iterdir()
                  if p.name.endswith(".yaml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A packaged profile by name (``cmed-v1``) or a YAML file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ProfileError(f"profile file {path} does not exist")
        from ..bounded import InputRefused, read_bounded

        try:
            text = read_bounded(path, 1 << 20).decode("utf-8")
        except (InputRefused, UnicodeDecodeError) as exc:
            raise ProfileError(f"profile file {path}: {getattr(exc, 'reason', 'not UTF-8 text')}") from None
    else:
        res = resources.files("cmedbench.release").joinpath("profiles", f"{name_or_path}.yaml")
        if not res.is_file():
            raise ProfileError(f"unknown profile {name_or_path!r}; known: {', '.join(available_profiles())} "
                               "or a path to a profile YAML")
        text = res.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ProfileError(f"profile {name_or_path} is not valid YAML: {exc}") from None
    return parse_profile(data, str(name_or_path))


def resolve(name_or_path: str | Path, release: str | Path) -> Profile:
    """The profile to check ``release`` against: ``auto`` is the release's own ``profile.yaml`` when it
    carries one, else the official CMED profile; anything else is a packaged name or a YAML path."""
    if str(name_or_path) == AUTO:
        own = Path(release) / RELEASE_PROFILE
        return load_profile(own if own.is_file() else DEFAULT_PROFILE)
    return load_profile(name_or_path)


def _canonical_keys(mapping: dict, normalise, what: str, where: str) -> dict[str, Any]:
    out = {}
    for key, value in mapping.items():
        canon = normalise(key)
        if canon is None:
            raise ProfileError(f"profile {where}: unknown {what} {key!r}")
        out[canon] = value
    return out


def parse_profile(data: dict[str, Any], where: str = "<dict>") -> Profile:
    if not isinstance(data, dict) or "name" not in data:
        raise ProfileError(f"profile {where} must be a mapping with at least a 'name'")
    classes = data.get("classes")
    if classes is not None:
        classes = _canonical_keys(classes, normalise_emotion, "class", where)
    counts = None
    if "subjects" in data:
        columns = [normalise_emotion(c) for c in data.get("subject_columns", LABELS)]
        if None in columns or sorted(columns) != sorted(LABELS):
            raise ProfileError(f"profile {where}: subject_columns must name the seven classes once each")
        rows = _canonical_keys(data["subjects"], normalise_subject, "subject", where)
        for subject, values in rows.items():
            if len(values) != len(columns):
                raise ProfileError(f"profile {where}: subject {subject} has {len(values)} counts, "
                                   f"expected {len(columns)}")
        counts = pd.DataFrame.from_dict(rows, orient="index", columns=columns)[list(LABELS)].astype(int)
        counts.index.name = "subject"
    frames = data.get("frames")
    if frames is not None:
        unknown = set(frames) - {"emotion", NO_ME, "overall"}
        if unknown:
            raise ProfileError(f"profile {where}: frame groups must be emotion, no-me, overall; got {unknown}")
    return Profile(name=str(data["name"]), description=str(data.get("description", "")), classes=classes,
                   total=data.get("total"), total_emotion=data.get("total_emotion"),
                   three_class=data.get("three_class"), frames=frames,
                   avg_tolerance=float(data.get("avg_tolerance", 0.5)), subject_counts=counts, raw=data)


def check_profile(profile: Profile, table: pd.DataFrame, report: Report, has_frames: bool,
                  file: str) -> None:
    """Compare the canonical sample table with the profile; adds checks and problems to ``report``."""
    if profile.name == "none" and profile.classes is None and profile.subject_counts is None:
        return
    found = table["emotion"].value_counts()

    if profile.classes is not None or profile.total is not None:
        check = report.add_check("profile.classes", f"class totals ({profile.name}: Table II / III)")
        rows = []
        for label, expected in (profile.classes or {}).items():
            got = int(found.get(label, 0))
            rows.append({"class": label, "expected": expected, "found": got})
            if got != expected:
                report.add(Problem(check.name, "error", f"class {label}: expected {expected} samples, found {got}",
                                   file, None, "emotion", label))
        if profile.total is not None and len(table) != profile.total:
            report.add(Problem(check.name, "error", f"expected {profile.total} samples in all, found {len(table)}",
                               file))
        n_emotion = int(table["emotion"].isin(EMOTIONS).sum())
        if profile.total_emotion is not None and n_emotion != profile.total_emotion:
            report.add(Problem(check.name, "error",
                               f"expected {profile.total_emotion} emotion samples, found {n_emotion}", file))
        for label, expected in (profile.three_class or {}).items():
            got = int(table["emotion"].map(THREE_CLASS).eq(label).sum())
            rows.append({"class": f"3-class {label}", "expected": expected, "found": got})
            if got != expected:
                report.add(Problem(check.name, "error",
                                   f"3-class {label}: expected {expected} samples, found {got}", file))
        check.counts["table"] = rows

    if profile.subject_counts is not None:
        check = report.add_check("profile.subjects", f"per-subject, per-class counts ({profile.name}: Table V)")
        expected = profile.subject_counts
        got = pd.crosstab(table["subject"], table["emotion"]).reindex(columns=list(LABELS), fill_value=0)
        subjects = expected.index.union(got.index)
        exp_full = expected.reindex(subjects, fill_value=0)
        got_full = got.reindex(subjects, fill_value=0)
        diff = (exp_full != got_full).stack()
        mismatches = []
        for subject, label in diff.index[diff.to_numpy()]:
            e, g = int(exp_full.at[subject, label]), int(got_full.at[subject, label])
            mismatches.append({"subject": subject, "class": label, "expected": e, "found": g})
            report.add(Problem(check.name, "error", f"{subject} / {label}: expected {e}, found {g}",
                               file, None, "subject", subject))
        for subject in got.index.difference(expected.index):
            report.add(Problem(check.name, "error", f"subject {subject} is not in the profile", file, None,
                               "subject", subject))
        n_exp, n_got = len(expected), int((got.sum(axis=1) > 0).sum())
        if n_exp != n_got:
            report.add(Problem(check.name, "error", f"expected {n_exp} subjects, found {n_got}", file))
        check.counts.update(subjects_expected=n_exp, subjects_found=n_got, mismatches=mismatches)

    if profile.frames is not None:
        name, desc = "profile.frames", f"frame-count bounds ({profile.name}: Table IV)"
        if not has_frames:
            report.skip(name, desc, "no frame counts (metadata-only run)")
            return
        check = report.add_check(name, desc)
        _check_frames(profile, table, report, check.name, file)


def _check_frames(profile: Profile, table: pd.DataFrame, report: Report, check: str, file: str) -> None:
    frames = table["n_frames"].astype("Float64")
    groups = {"emotion": table["emotion"] != NO_ME, NO_ME: table["emotion"] == NO_ME,
              "overall": pd.Series(True, index=table.index)}
    for group, bounds in profile.frames.items():
        sel = frames[groups[group]].dropna()
        if sel.empty:
            report.add(Problem(check, "error", f"{group}: no clips with a frame count", file))
            continue
        stats = {"min": float(sel.min()), "max": float(sel.max()), "avg": float(sel.mean())}
        for key in ("min", "max"):
            if key in bounds and stats[key] != bounds[key]:
                report.add(Problem(check, "error",
                                   f"{group}: {key} frames expected {bounds[key]}, found {stats[key]:g}", file,
                                   None, "n_frames", stats[key]))
        if "avg" in bounds and abs(stats["avg"] - bounds["avg"]) > profile.avg_tolerance:
            report.add(Problem(check, "warning",
                               f"{group}: average frames {stats['avg']:.2f}, profile says {bounds['avg']} "
                               f"(advisory, tolerance {profile.avg_tolerance})", file, None, "n_frames",
                               round(stats["avg"], 2)))
