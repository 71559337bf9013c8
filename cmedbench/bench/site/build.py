"""Build the leaderboard site from the records alone (plus, when given, the baselines' run.json files
for their resolved params): an index, one page per (dataset, task, protocol) board, one page per
record and a compare page per board with the paired test for every two of its records.

Every string a submitter wrote is escaped by ``escaping.escape(..., "html")`` (the ``t`` filter);
Jinja2's autoescape stays on behind it. Links are relative and nothing is fetched, so the site works
from ``file://``. The output is deterministic: the same ledger gives the same bytes.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ...atomic import sha256_file, staged_dir
from ...escaping import escape
from ...problems import Problem
from ..board import (board_rows, fmt, interval_groups, is_interval_record, ledger_line, records_cell, reported_records,
                     reproduction_text)
from ..compare import CompareError, compare_records
from ..figures import result_confusion_png
from .intervals import interval_board_views, interval_files, kept_prediction

STATIC_FILES = ("site.css", "site.js")
NOT_RECORDED = "not recorded"
# Where a run's device provenance may sit (records or run.json, top level or under one of these keys).
DEVICE_FIELDS = (("device", ("device",)), ("GPU", ("gpu", "gpu_name")), ("torch", ("torch", "torch_version")),
                 ("CUDA", ("cuda", "cuda_version")), ("precision", ("precision",)),
                 ("deterministic algorithms", ("deterministic", "determinism")))
PROVENANCE_KEYS = ("environment", "provenance", "device_info", "runtime")


class SiteError(ValueError):
    """The site cannot be written."""


class SiteExists(SiteError):
    """The output folder holds something and replacing it was not asked for."""


@dataclass(frozen=True)
class SiteSummary:
    out: Path
    pages: int
    boards: int
    records: int


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "x"


def board_slug(dataset: str, task: str, protocol: str) -> str:
    return _slug(f"{task}-{protocol}-{dataset.removeprefix('sha256:')[:12]}")


def _environment():
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(loader=jinja2.PackageLoader("cmedbench.bench.site", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["t"] = lambda value: Markup(escape("" if value is None else value, "html"))
    env.filters["t_multiline"] = lambda value: Markup("\n".join(escape(line, "html") for line in str(value).split("\n")))
    env.filters["num"] = lambda value, nd=4: fmt(value, nd)
    env.filters["pct"] = lambda value: "–" if value is None else f"{value:.0%}"
    return env


def run_files(results_dir: Path | None) -> dict[str, dict]:
    """prediction sha256 -> that run's run.json, for every ``RESULTS/*/*/predictions.csv`` with one."""
    from ..collect import read_json_object

    found: dict[str, dict] = {}
    if results_dir is None or not Path(results_dir).is_dir():
        return found
    for pred in sorted(Path(results_dir).glob("*/*/predictions.csv")):
        try:
            found[sha256_file(pred)] = read_json_object(pred.parent / "run.json")
        except (OSError, ValueError):
            continue  # a result without a readable run.json: its record shows "not recorded"
    return found


def device_fields(record: dict, run: dict | None) -> list[tuple[str, str]]:
    """(label, value) for device, GPU, torch, CUDA, precision, determinism; NOT_RECORDED when absent."""
    sources = [record] + [record.get(k) for k in PROVENANCE_KEYS]
    if run:
        sources += [run] + [run.get(k) for k in PROVENANCE_KEYS]
    sources = [s for s in sources if isinstance(s, dict)]
    out = []
    for label, keys in DEVICE_FIELDS:
        value = next((s[k] for s in sources for k in keys if s.get(k) not in (None, "", {})), None)
        if isinstance(value, (dict, list)):
            value = json.dumps(value, sort_keys=True)
        out.append((label, NOT_RECORDED if value is None else str(value)))
    return out


def _params_text(params) -> str:
    """Resolved params one per line (``key: JSON value``), sorted, for reading rather than parsing."""
    if not isinstance(params, dict):
        return json.dumps(params, sort_keys=True)
    return "\n".join(f"{k}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(params.items()))


def _ci_bar(mean: float | None, lo: float | None, hi: float | None) -> dict | None:
    """Geometry of an interval bar on a 0..1 scale (percent of the cell's width)."""
    if mean is None or lo is None or hi is None:
        return None
    def clamp(x) -> float:
        return min(max(float(x), 0.0), 1.0)

    return {"lo": clamp(lo) * 100, "hi": clamp(hi) * 100, "mean": clamp(mean) * 100}


def _metric_cell(mean, sd, ci) -> dict:
    if sd is not None:
        return {"value": mean, "text": f"{fmt(mean)} ± {fmt(sd)}", "interval": "mean ± sd over seeds",
                "bar": _ci_bar(mean, mean - sd, mean + sd)}
    if ci:
        return {"value": mean, "text": fmt(mean), "interval": f"95% CI {fmt(ci[0], 3)}–{fmt(ci[1], 3)}",
                "bar": _ci_bar(mean, ci[0], ci[1])}
    return {"value": mean, "text": fmt(mean), "interval": "", "bar": None}


def _board_view(key: tuple[str, str, str], rows: list[dict], reported: list[dict]) -> dict:
    dataset, task, protocol = key
    view_rows = []
    for rank, row in enumerate(rows, 1):
        seeds = sorted({s for x in row["seeds"] for s in x})
        view_rows.append(dict(row, rank=rank, uf1_cell=_metric_cell(row["uf1"], row["uf1_sd"], row["ci_uf1"]),
                              uar_cell=_metric_cell(row["uar"], row["uar_sd"], row["ci_uar"]),
                              seeds_text=", ".join(map(str, seeds)) if seeds else "none declared",
                              records_text=records_cell(row),
                              repro_texts=[reproduction_text(r, row["n_replicates"] > 1) for r in row["reproductions"]]))
    paper = [r for r in reported if r["task"] == task and r["protocol"] == protocol]
    return {"slug": board_slug(*key), "dataset": dataset, "task": task, "protocol": protocol, "rows": view_rows,
            "reported": paper, "n_samples": rows[0]["n_samples"], "fold_map": rows[0]["fold_map"]}


def _comparisons(records: list[dict], n_perm: int) -> list[dict]:
    out = []
    for a, b in itertools.combinations(sorted(records, key=lambda r: r["seq"]), 2):
        try:
            res = compare_records(a, b, n_perm, 0)
        except CompareError as exc:
            out.append({"a": a, "b": b, "error": str(exc)})
            continue
        out.append({"a": a, "b": b, "error": None, "uf1": res["uf1"], "uar": res["uar"], "method": res["method"]})
    return out


def build_site(records: list[dict], length: int | None = None, head: str | None = None,
               problems: list[Problem] = (), predictions_dir: Path | None = None, results_dir: Path | None = None,
               n_perm: int = 10000) -> dict[str, bytes]:
    """Every file of the site as relative path -> bytes (pure but for reading kept predictions and run.json)."""
    env = _environment()
    files: dict[str, bytes] = {}
    # Interval records (long-video spotting, STR) have no confusion matrix or clip metrics: their own
    # boards and record pages (site/intervals.py).
    interval_records = [r for r in records if is_interval_record(r)]
    records = [r for r in records if not is_interval_record(r)]
    for name in STATIC_FILES:
        files[f"static/{name}"] = resources.files("cmedbench.bench.site").joinpath("static", name).read_bytes()
    groups = board_rows(records)
    reported = reported_records()
    runs = run_files(results_dir)
    by_group = {}
    for r in records:
        by_group.setdefault((r["dataset_fingerprint"], r["task"], r["protocol"]), []).append(r)
    boards = [_board_view(key, rows, reported) for key, rows in groups.items()]
    board_of = {}
    for board in boards:
        key = (board["dataset"], board["task"], board["protocol"])
        for r in by_group[key]:
            board_of[r["id"]] = board
        pairs = _comparisons(by_group[key], n_perm)
        files[f"compare/{board['slug']}.html"] = env.get_template("compare.html").render(
            root="../", board=board, pairs=pairs, records=sorted(by_group[key], key=lambda r: r["seq"]),
            title=f"Compare records: {board['task']} · {board['protocol']}").encode()
        files[f"boards/{board['slug']}.html"] = env.get_template("board.html").render(
            root="../", board=board, title=f"{board['task']} · {board['protocol']}").encode()
    row_of = {i: row for board in boards for row in board["rows"] for i in row["ids"]}
    for row in list(row_of.values()):
        for rep in row["reproductions"]:
            row_of.setdefault(rep["id"], row)
    for r in records:
        sha = r["prediction_sha256"]
        download = kept_prediction(files, predictions_dir, sha)
        run = runs.get(sha)
        files[f"records/{_slug(r['id'])}-confusion.png"] = result_confusion_png(r["result"])
        files[f"records/{_slug(r['id'])}.html"] = env.get_template("record.html").render(
            root="../", r=r, run=run, board=board_of.get(r["id"]), row=row_of.get(r["id"]), download=download,
            devices=device_fields(r, run), slug=_slug(r["id"]), not_recorded=NOT_RECORDED,
            params_json=_params_text(run.get("params")) if run and "params" in run else None,
            title=f"Record {r['id'][:8]}: {r['model']}").encode()
    interval_boards = interval_board_views(interval_records, board_slug)
    files.update(interval_files(env, interval_records, interval_boards, predictions_dir, _slug,
                                lambda r: device_fields(r, None)))
    errors = [p for p in problems if p.severity == "error"]
    files["index.html"] = env.get_template("index.html").render(
        root="", boards=boards, interval_boards=interval_boards, reported=reported, ledger=ledger_line(length if length is not None else len(records), head),
        problems=errors, title="cmedbench leaderboard").encode()
    return files


def write_site(out: Path, records: list[dict], length: int | None = None, head: str | None = None,
               problems: list[Problem] = (), predictions_dir: Path | None = None, results_dir: Path | None = None,
               force: bool = False, n_perm: int = 10000) -> SiteSummary:
    """Build the site and swap it into ``out`` in one step (an occupied ``out`` only with ``force``)."""
    from ...atomic import OutputExists

    files = build_site(records, length, head, problems, predictions_dir, results_dir, n_perm)
    try:
        with staged_dir(out, force=force) as tmp:
            for rel, data in sorted(files.items()):
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    except OutputExists:
        raise SiteExists(f"{out} exists and is not empty; it is replaced only when asked to") from None
    pages = sum(1 for rel in files if rel.endswith(".html"))
    keys = set(board_rows(records)) | set(interval_groups(records))
    return SiteSummary(Path(out), pages, len({board_slug(*k) for k in keys}), len(records))
