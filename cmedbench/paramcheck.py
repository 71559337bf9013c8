"""Check params.yaml before any stage runs, the way the stages themselves would read it.

A pipeline parameter reaches a stage in one of two ways: interpolated into its command
(``--radius ${lbptop.radius}``), or as a whole section the stage reads itself (``params: [dgcnn]``).
For the first, each value is converted by the very click option it lands on (same types, same
ranges, same messages), without running anything; for the second, the baselines' own checker
(`baselines.params.check_params`) judges the section. A key that no stage reads is a typo until
proven otherwise, and is named with a did-you-mean. Every problem names its key.

The `check_params` DVC stage runs this first and every other stage depends on its output, so a bad
value stops `dvc repro` / `dvc exp run` before any stage deletes an output it would rebuild.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

PLACEHOLDER = re.compile(r"^\$\{([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+)\}$")
ANY_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+)\}")


class ParamsFileError(ValueError):
    """params.yaml or a pipeline file cannot be read at all."""


@dataclass(frozen=True)
class Use:
    """One place a parameter is used: a stage's option, converted by that option's type."""

    key: str  # dotted params key, e.g. lbptop.radius
    stage: str
    option: str  # e.g. --radius
    param: click.Parameter
    position: int  # index among the option's values (tuple options take several)


def read_params(path: str | Path) -> dict:
    """A params.yaml-like file as a mapping of sections ({} when empty); ParamsFileError names the file."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ParamsFileError(f"{path}: cannot read it as YAML: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ParamsFileError(f"{path}: expected a mapping of sections, found {type(doc).__name__}")
    return doc


def _stages(pipeline_files: list[Path]) -> Iterator[tuple[str, dict]]:
    for path in pipeline_files:
        for name, stage in (read_params(path).get("stages") or {}).items():
            if isinstance(stage, dict):
                yield name, stage


def _command(tokens: list[str]) -> tuple[click.Command | None, list[str]]:
    """The click command a ``cmedbench ...`` command line runs, and the tokens after its name."""
    from .cli import main

    if not tokens or tokens[0] != "cmedbench":
        return None, []
    cmd: click.Command = main
    rest = tokens[1:]
    while isinstance(cmd, click.Group) and rest and rest[0] in cmd.commands:
        cmd, rest = cmd.commands[rest[0]], rest[1:]
    return (None, []) if isinstance(cmd, click.Group) else (cmd, rest)


def option_uses(pipeline_files: list[Path]) -> tuple[list[Use], set[str], set[str]]:
    """(options fed by a params key, keys used elsewhere in a stage, sections read whole)."""
    uses: list[Use] = []
    mentioned: set[str] = set()
    whole: set[str] = set()
    for name, stage in _stages(pipeline_files):
        for p in stage.get("params") or []:
            if isinstance(p, str):
                (mentioned if "." in p else whole).add(p)
        text = yaml.safe_dump({k: v for k, v in stage.items() if k != "cmd"})
        mentioned |= set(ANY_PLACEHOLDER.findall(text))
        cmd = stage.get("cmd")
        if not isinstance(cmd, str):
            continue
        tokens = shlex.split(cmd)
        command, rest = _command(tokens)
        if command is None:
            mentioned |= set(ANY_PLACEHOLDER.findall(cmd))
            continue
        by_opt = {o: p for p in command.params if isinstance(p, click.Option) for o in p.opts}
        i = 0
        while i < len(rest):
            param = by_opt.get(rest[i])
            if param is None or param.is_flag:
                mentioned |= set(ANY_PLACEHOLDER.findall(rest[i]))
                i += 1
                continue
            n = max(param.nargs, 1)
            for k, tok in enumerate(rest[i + 1:i + 1 + n]):
                m = PLACEHOLDER.match(tok)
                if m and not m.group(1).startswith("item."):  # matrix items are not params
                    uses.append(Use(m.group(1), name, rest[i], param, k))
                else:
                    mentioned |= set(ANY_PLACEHOLDER.findall(tok))
            i += 1 + n
    return uses, mentioned, whole


def _lookup(doc: dict, key: str):
    node = doc
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def _as_dvc_renders(value) -> str:
    """The text DVC puts into a command for a YAML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _convert(use: Use, value) -> str | None:
    """None when the option accepts the value, else the option's own complaint."""
    param = use.param
    if isinstance(value, (dict, list)):
        return f"expected a single value for {use.option}, found a {type(value).__name__}"
    kind = param.type
    if isinstance(kind, click.Tuple):
        kind = kind.types[min(use.position, len(kind.types) - 1)]
    if isinstance(kind, (click.Path, click.File)):
        return None  # paths are checked when the stage runs (the release may not be rendered yet)
    try:
        kind.convert(_as_dvc_renders(value), param, None)
    except click.BadParameter as exc:
        return exc.message
    return None


def _leaf_keys(doc: dict, prefix: str = "") -> Iterator[str]:
    for k, v in doc.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            yield from _leaf_keys(v, key + ".")
        else:
            yield key


def check_params(params_file: str | Path = "params.yaml",
                 pipeline_files: list[str | Path] | None = None) -> list[str]:
    """Every problem with ``params_file`` as the pipeline would meet it, each naming its key."""
    params_file = Path(params_file)
    root = params_file.parent
    files = [Path(p) for p in pipeline_files] if pipeline_files is not None else \
        [p for p in (root / "dvc.yaml", root / "synthetic" / "dvc.yaml") if p.is_file()]
    doc = read_params(params_file)
    uses, mentioned, whole = option_uses(files)
    found: dict[tuple[str, str], list[Use]] = {}  # (key, complaint) -> the stages that would meet it
    for use in uses:
        try:
            complaint = _convert(use, _lookup(doc, use.key))
        except KeyError:
            complaint = "missing"
        if complaint:
            found.setdefault((use.key, complaint), []).append(use)
    problems: list[str] = []
    for (key, complaint), where in found.items():
        first = where[0]
        others = f" and {len(where) - 1} more stage(s)" if len(where) > 1 else ""
        value = "" if complaint == "missing" else f"; found {_lookup(doc, key)!r}"
        problems.append(f"{key}: {complaint} (stage {first.stage}, option {first.option}{others}{value})")
    from .baselines.params import LEGACY_SECTIONS, check_params as check_baseline_sections

    problems += check_baseline_sections(doc)
    known = {u.key for u in uses} | mentioned
    # a section a stage reads itself (a baseline's) is judged by its reader; one whose keys reach the
    # stages through options is judged here, key by key
    read_whole = whole - {k.split(".")[0] for k in known}
    for key in _leaf_keys(doc):
        if key in known or key.split(".")[0] in read_whole or key.split(".")[0] in LEGACY_SECTIONS:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        problems.append(f"{key}: no stage reads this key{hint}")
    return sorted(dict.fromkeys(problems))


def write_check(params_file: str | Path, out: str | Path) -> list[str]:
    """Check ``params_file``; when sound, write ``out`` (the same bytes every time, so a stage that
    depends on it re-runs for its own params, never because the check ran again)."""
    from .atomic import write_text

    problems = check_params(params_file)
    if not problems:
        write_text(out, f"{Path(params_file).name}: every key checked against the stages that read it\n")
    return problems
