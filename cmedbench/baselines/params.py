"""params.yaml sections of the baselines: resolve a preset plus the overrides a user wrote, and check
every key before any fold runs.

A section holds ``preset`` and only the keys a user sets; a key set to null means "the preset's
value". The hyper-parameters a baseline accepts, and their types, are the keyword arguments of its
estimator (`estimators.py`) plus the candidate list of its inner validation (``C_grid``).
"""

from __future__ import annotations

import copy
import difflib
import inspect
import typing
from dataclasses import dataclass
from pathlib import Path
from types import NoneType, UnionType

from ..bench.submission import is_number
from .registry import BASELINES, RUNTIME_PARAMS, BaselineSpec, get_baseline

RUN_SECTION = "baselines"  # how every baseline runs: selection, seed, protocol
SELECTIONS = ("fixed-epochs", "inner-validation")
LEGACY_SECTIONS = {"svm": "lbptop-svm", "vgg": "vgg16"}  # section names before the registry


@dataclass(frozen=True)
class AtLeast:
    bound: float


@dataclass(frozen=True)
class Above:
    bound: float


@dataclass(frozen=True)
class ExistingFile:
    """The text is a path to a file that must exist (checked before any fold runs)."""


class ParamsError(ValueError):
    """params.yaml has keys or values the baselines cannot use; ``problems`` names each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Resolved:
    preset: str  # "none" for a baseline without hyper-parameters
    params: dict  # every hyper-parameter the run used
    overrides: dict  # the keys params.yaml set, with their values


def hints(spec: BaselineSpec) -> dict[str, object]:
    """Key -> type of every hyper-parameter the section may set."""
    cls = spec.estimator_class()
    types = typing.get_type_hints(cls.__init__, include_extras=True)
    out = {k: types[k] for k in inspect.signature(cls).parameters if k not in RUNTIME_PARAMS}
    if spec.tunes is not None and spec.tunes.grid:
        out[spec.tunes.grid] = list[types[spec.tunes.param]]  # the candidates of a grid search
    return out


def preset_values(spec: BaselineSpec, preset: str) -> dict:
    """Every hyper-parameter of one preset (``default``: the estimator's defaults)."""
    if preset == "paper":
        return copy.deepcopy(dict(spec.paper))
    sig = inspect.signature(spec.estimator_class())
    out = {k: p.default for k, p in sig.parameters.items() if k not in RUNTIME_PARAMS}
    out.update(copy.deepcopy(dict(spec.default_extra)))
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


def check_section(name: str, section) -> list[str]:
    """Every problem with one baseline's params.yaml section, each naming its key."""
    spec = get_baseline(name)
    if section is None:
        return []
    if not isinstance(section, dict):
        return [f"{name}: must be a mapping of keys to values, not {section!r}"]
    if spec.section is None and section:
        return [f"{name}: this baseline has no parameters (found {', '.join(map(str, section))})"]
    problems = []
    preset = section.get("preset")
    if preset is not None and preset not in spec.presets:
        problems.append(f"{name}.preset: {preset!r} is not a preset; choose {' or '.join(spec.presets)}")
    known = hints(spec)
    for key, value in section.items():
        if key == "preset":
            continue
        if key not in known:
            near = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.75)
            hint = f" (did you mean {near[0]}?)" if near else f"; known: {', '.join(known)}"
            problems.append(f"{name}.{key} is not a {name} parameter{hint}")
        elif value is not None:
            problem = _type_problem(value, known[key])
            if problem:
                problems.append(f"{name}.{key}: {value!r} {problem}")
    return problems


def check_run_section(section) -> list[str]:
    """Problems with the ``baselines`` section (selection, seed, protocol)."""
    from ..bench.protocols import PROTOCOLS

    if section is None:
        return []
    if not isinstance(section, dict):
        return [f"{RUN_SECTION}: must be a mapping of keys to values, not {section!r}"]
    types = {"selection": typing.Literal[SELECTIONS], "seed": int, "protocol": typing.Literal[PROTOCOLS]}
    problems = []
    for key, value in section.items():
        if key not in types:
            near = difflib.get_close_matches(str(key), list(types), n=1, cutoff=0.75)
            hint = f" (did you mean {near[0]}?)" if near else f"; known: {', '.join(types)}"
            problems.append(f"{RUN_SECTION}.{key} is not a key of {RUN_SECTION}{hint}")
        else:
            problem = _type_problem(value, types[key])
            if problem:
                problems.append(f"{RUN_SECTION}.{key}: {value!r} {problem}")
    return problems


def check_params(document: dict) -> list[str]:
    """Problems with the baselines' sections of a whole params.yaml (other sections are not looked at)."""
    problems = check_run_section(document.get(RUN_SECTION))
    for old, new in LEGACY_SECTIONS.items():
        if old in document:
            problems.append(f"{old}: the section is now called {new}")
    for name in BASELINES:
        problems += check_section(name, document.get(name))
    return problems


def resolve(name: str, section: dict | None) -> Resolved:
    """The chosen preset, overridden by every non-null key the section sets; refuses bad keys first."""
    spec = get_baseline(name)
    problems = check_section(name, section)
    if problems:
        raise ParamsError(problems)
    if spec.section is None:
        return Resolved("none", {}, {})
    given = dict(section or {})
    preset = given.pop("preset", None) or "default"
    overrides = {k: v for k, v in given.items() if v is not None}
    return Resolved(preset, {**preset_values(spec, preset), **overrides}, overrides)


def load_section(params_file: str | Path, name: str) -> dict:
    """One baseline's section of a params.yaml file ({} when the file or the section is absent)."""
    from ..paramcheck import ParamsFileError, read_params

    path = Path(params_file)
    spec = get_baseline(name)
    if spec.section is None or not path.is_file():
        return {}
    try:
        document = read_params(path)
    except ParamsFileError as exc:
        raise ParamsError([str(exc)]) from None
    return document.get(spec.section) or {}


# ---- value checks against an estimator's type annotation ----------------------------------------------

def _type_problem(value, hint) -> str | None:
    """Why ``value`` does not fit ``hint`` (None when it does), phrased to follow the value."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:
        problem = _type_problem(value, args[0])
        if problem:
            return problem
        for mark in args[1:]:
            if isinstance(mark, AtLeast) and value < mark.bound:
                return f"must be at least {mark.bound:g}"
            if isinstance(mark, Above) and value <= mark.bound:
                return f"must be greater than {mark.bound:g}"
            if isinstance(mark, ExistingFile) and not Path(value).is_file():
                return "is not an existing file"
        return None
    if origin is typing.Literal:
        return None if value in args else f"is not one of {', '.join(map(str, args))}"
    if origin in (typing.Union, UnionType):
        if value is None and NoneType in args:
            return None
        problems = [_type_problem(value, a) for a in args if a is not NoneType]
        return None if None in problems else problems[0]
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)) or not value:
            return "must be a non-empty list"
        for item in value:
            problem = _type_problem(item, args[0])
            if problem:
                return f"has an item {item!r} that {problem}"
        return None
    if hint is bool:
        return None if isinstance(value, bool) else "must be true or false"
    if hint is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "is not an integer"
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None
        if isinstance(value, str) and is_number(value):
            return "is text, not a number (YAML reads 1e-3 as text: write 0.001 or 1.0e-3)"
        return "is not a number"
    if hint is str:
        return None if isinstance(value, str) else "is not text"
    return None
