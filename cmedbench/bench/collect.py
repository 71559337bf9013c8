"""Reading the baselines' result folders (``RESULTS/<baseline>/<task>/``) as submissions: each holds
``predictions.csv`` and a ``submission.json`` that states the model, its description, selection,
seeds, task and protocol."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from ..bounded import InputRefused, read_bounded
from .leaderboard import CollectError, SubmissionInfo

MAX_SUBMISSION_JSON = 1 << 16


def read_json_object(path: Path, limit: int = MAX_SUBMISSION_JSON) -> dict:
    """A small JSON object file, read with a bound; ValueError naming what is wrong."""
    try:
        data = json.loads(read_bounded(path, limit).decode("utf-8"))
    except InputRefused as exc:
        raise ValueError(exc.reason) from None
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise ValueError(f"not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def submission_info(meta: dict) -> tuple[SubmissionInfo, str, str]:
    """(what the submitter states, task, protocol) from a submission.json object; ValueError if malformed."""
    text = {k: meta.get(k) for k in ("model", "description", "selection", "task", "protocol")}
    bad = [k for k, v in text.items() if not isinstance(v, str)]
    seeds = meta.get("seeds", [])
    if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        bad.append("seeds")
    kind = meta.get("kind", "measured")
    if not isinstance(kind, str):
        bad.append("kind")
    if bad:
        raise ValueError(f"missing or malformed field(s): {', '.join(bad)}")
    info = SubmissionInfo(text["model"], text["description"], text["selection"], tuple(seeds), kind=kind)
    return info, text["task"], text["protocol"]


class ResultFolder(NamedTuple):
    """One ``RESULTS/<model>/<task>/`` folder read as a submission, with the evaluator of its task."""

    evaluator: object
    meta_path: Path  # its submission.json; predictions.csv lies beside it
    info: SubmissionInfo
    task: str
    protocol: str


def each_result_folder(results: Path, evaluator_for: Callable[[str, str], object],
                       refused: tuple[type[Exception], ...]) -> Iterator[ResultFolder]:
    """Every result folder under ``results`` in path order, with ``evaluator_for(task, protocol)``
    (built once per pair). CollectError names the folder whose submission.json is malformed or whose
    evaluator cannot be built (one of ``refused``)."""
    evaluators: dict[tuple[str, str], object] = {}
    for meta_path in sorted(Path(results).glob("*/*/submission.json")):
        try:
            info, task, protocol = submission_info(read_json_object(meta_path))
        except ValueError as exc:
            raise CollectError(f"{meta_path}: {exc}") from None
        if (task, protocol) not in evaluators:
            try:
                evaluators[task, protocol] = evaluator_for(task, protocol)
            except refused as exc:
                raise CollectError(f"{meta_path}: {exc.args[0] if exc.args else exc}") from None
        yield ResultFolder(evaluators[task, protocol], meta_path, info, task, protocol)


def each_result(results: Path, splits_dir: Path) -> Iterator[tuple[object, Path, SubmissionInfo]]:
    """(evaluator, predictions path, stated info) per result folder, in path order; CollectError names
    the folder whose files cannot be used."""
    from .evaluator import Evaluator
    from .splits import SplitsError
    from .tasks import UnknownTask

    for r in each_result_folder(results, lambda task, protocol: Evaluator(task, protocol, splits_dir),
                                (SplitsError, UnknownTask)):
        yield r.evaluator, r.meta_path.parent / "predictions.csv", _with_provenance(r.info, r.meta_path)


def _with_provenance(info: SubmissionInfo, meta_path: Path) -> SubmissionInfo:
    """The run's device provenance from the run.json beside submission.json, when it has one."""
    from dataclasses import replace

    run_json = meta_path.parent / "run.json"
    if not run_json.is_file():
        return info
    try:
        prov = read_json_object(run_json).get("provenance")
    except ValueError as exc:
        raise CollectError(f"{run_json}: {exc}") from None
    return replace(info, provenance=prov) if isinstance(prov, dict) else info
