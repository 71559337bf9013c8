"""The board as people read it, built from the records alone: ranked rows per (dataset, task,
protocol), as Markdown (LEADERBOARD.md), JSON or CSV. Every string a submitter wrote goes through
``escaping.escape`` for the place it lands."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Iterable
from importlib import resources

from ..escaping import escape
from ..problems import Problem
from .ledger import is_interval_record  # noqa: F401  (boards and the site split records with it)

CSV_COLUMNS = ("dataset_fingerprint", "task", "protocol", "rank", "model", "kind", "selection", "uf1", "uf1_sd",
               "uar", "uar_sd", "accuracy", "mof_uf1", "mof_uar", "worst", "n_replicates", "seeds", "n_reproductions",
               "max_drift_uf1", "max_drift_uar", "description")


def reported_records() -> list[dict]:
    """The paper's Table VI, as read-only 'reported' rows tied to the cmed-v1 profile."""
    import yaml

    data = yaml.safe_load(resources.files("cmedbench.bench").joinpath("reported", "cmed-v1-table-vi.yaml")
                          .read_text("utf-8"))
    return [dict(row, profile=data["profile"], source=data["source"], protocol=data["protocol"])
            for row in data["rows"]]


def _replicate_sets(recs: list[dict]) -> list[list[list[dict]]]:
    """Records of one model split into rows of seeds, each seed with its runs in ledger order.

    A row merges runs with different declared seeds only (replicate seeds: mean ± sd). A further run
    of a seed already in a row is a reproduction of that configuration: it joins its seed's runs (shown
    as agreeing or drifting), never as another seed. Runs with no declared seed stand alone."""
    rows: list[list[list[dict]]] = []
    for rec in sorted(recs, key=lambda r: (r.get("seq", 0), r.get("id", ""))):
        seeds = tuple(rec.get("seeds") or ())
        if not seeds:
            rows.append([[rec]])
            continue
        same = next((runs for row in rows for runs in row if tuple(runs[0].get("seeds") or ()) == seeds), None)
        if same is not None:
            same.append(rec)
            continue
        home = next((row for row in rows if tuple(row[0][0].get("seeds") or ())
                     and all(not set(runs[0]["seeds"]) & set(seeds) for runs in row)), None)
        if home is None:
            rows.append([[rec]])
        else:
            home.append([rec])
    return rows


def _reproductions(seed_runs: list[list[dict]]) -> list[dict]:
    """Each later run of a seed against the first run of that seed: same predictions, or the drift."""
    out = []
    for runs in seed_runs:
        first = runs[0]
        for again in runs[1:]:
            out.append({"id": again["id"], "of": first["id"], "seeds": list(again.get("seeds") or []),
                        "identical": again["prediction_sha256"] == first["prediction_sha256"],
                        "d_uf1": again["result"]["pooled"]["uf1"] - first["result"]["pooled"]["uf1"],
                        "d_uar": again["result"]["pooled"]["uar"] - first["result"]["pooled"]["uar"]})
    return out


def _row(seed_runs: list[list[dict]]) -> dict:
    """One board row: the first run of each seed is that seed's score; later runs are reproductions."""
    recs = [runs[0] for runs in seed_runs]
    first = recs[0]
    uf1 = [x["result"]["pooled"]["uf1"] for x in recs]
    uar = [x["result"]["pooled"]["uar"] for x in recs]
    reproductions = _reproductions(seed_runs)
    return {
        "model": first["model"], "kind": first["kind"], "selection": first["selection"],
        "description": first["description"], "n_replicates": len(recs), "ids": [x["id"] for x in recs],
        "uf1": statistics.fmean(uf1), "uf1_sd": statistics.stdev(uf1) if len(recs) > 1 else None,
        "uar": statistics.fmean(uar), "uar_sd": statistics.stdev(uar) if len(recs) > 1 else None,
        "accuracy": statistics.fmean(x["result"]["pooled"]["accuracy"] for x in recs),
        "mof_uf1": statistics.fmean(x["result"]["mean_over_folds"]["uf1"] for x in recs),
        "mof_uar": statistics.fmean(x["result"]["mean_over_folds"]["uar"] for x in recs),
        "worst": min(x["result"]["worst_subject"]["uar"] for x in recs),
        "ci_uf1": first["result"]["ci95"]["uf1"] if len(recs) == 1 else None,
        "ci_uar": first["result"]["ci95"]["uar"] if len(recs) == 1 else None,
        "seeds": [list(x.get("seeds") or []) for x in recs],
        "n_samples": first["n_samples"], "fold_map": first["fold_map_sha256"],
        "reproductions": reproductions,
        "n_reproductions": len(reproductions),
        "max_drift_uf1": max((abs(r["d_uf1"]) for r in reproductions), default=None),
        "max_drift_uar": max((abs(r["d_uar"]) for r in reproductions), default=None),
    }


def _rank_key(row: dict) -> tuple:
    def desc(x: float) -> float:
        return math.inf if x is None or math.isnan(x) else -x
    return desc(row["uf1"]), desc(row["uar"]), row["model"], row["ids"][0]


def board_rows(records: Iterable[dict]) -> dict[tuple[str, str, str], list[dict]]:
    """Groups (dataset, task, protocol) -> rows ranked by pooled UF1; replicate seeds merged as mean ± sd,
    re-runs of a seed attached to it as reproductions (``reproductions``, ``max_drift_*``)."""
    groups: dict[tuple, dict[tuple, list[dict]]] = {}
    for r in records:
        if is_interval_record(r):  # shown by interval_lines
            continue
        key = (r["dataset_fingerprint"], r["task"], r["protocol"])
        model_key = (r["model"], r["kind"], r["selection"], r["description"])
        groups.setdefault(key, {}).setdefault(model_key, []).append(r)
    out = {}
    for key, models in groups.items():
        rows = [_row(seed_runs) for by_model in models.values() for seed_runs in _replicate_sets(by_model)]
        rows.sort(key=_rank_key)
        out[key] = rows
    return dict(sorted(out.items()))


def fmt(x: float | None, nd: int = 4) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def score_cell(mean: float, sd: float | None, ci: list[float] | None) -> str:
    if sd is not None:
        return f"{fmt(mean)} ± {fmt(sd)}"
    return f"{fmt(mean)} [{fmt(ci[0], 3)}, {fmt(ci[1], 3)}]" if ci else fmt(mean)


def records_cell(row: dict) -> str:
    """Which records a row stands for, their seeds and reproductions: '3 seeds (0, 1, 2): ids',
    'seed 0: id; reproduced by id (same predictions)' or '... (UF1 -0.0020, UAR +0.0067)'."""
    ids = ", ".join(i[:8] for i in row["ids"])
    seeds = [s for x in row["seeds"] for s in x]
    if row["n_replicates"] > 1:
        text = f"{row['n_replicates']} seeds ({', '.join(map(str, seeds))}): {ids}"
    elif not seeds:
        text = f"no seed declared: {ids}"
    else:
        text = f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}: {ids}"
    return text + "".join(f"; {reproduction_text(r, row['n_replicates'] > 1)}" for r in row.get("reproductions", ()))


def reproduction_text(rep: dict, name_original: bool = False) -> str:
    """'reproduced by 77e8ad42 (same predictions)' or 'reproduced by 77e8ad42, drift UF1 -0.0020, UAR +0.0067'."""
    head = f"reproduced by {rep['id'][:8]}" + (f" of {rep['of'][:8]}" if name_original else "")
    if rep["identical"]:
        return head + " (same predictions)"
    if rep["d_uf1"] == 0 and rep["d_uar"] == 0:
        return head + " (other predictions, same scores)"
    return head + f", drift UF1 {rep['d_uf1']:+.4f}, UAR {rep['d_uar']:+.4f}"


def ledger_line(length: int | None, head: str | None) -> str:
    if not length:
        return "Ledger: empty."
    return f"Ledger: {length} record{'' if length == 1 else 's'}, head `{head or 'unknown (damaged)'}`."


def render_markdown(records: list[dict], length: int | None = None, head: str | None = None,
                    problems: Iterable[Problem] = ()) -> str:
    """LEADERBOARD.md: the ledger's head and size, every group's ranked rows, damaged records, the paper."""
    def md(x) -> str:
        return escape(x, "markdown")

    lines = ["# cmedbench leaderboard", "",
             "Generated from `leaderboard/records/*.json` by `cmedbench leaderboard --check`; do not edit.", "",
             f"**{ledger_line(length if length is not None else len(records), head)}** "
             "`cmedbench leaderboard --check` verifies every link of the hash chain and re-scores every record "
             "from its kept predictions (docs/benchmark.md).", "",
             "Ranked by **pooled UF1** (MEGC-2019: confusion matrices of all folds summed, then UF1 over the "
             "task's classes). Mean-over-folds (DFME) is shown beside it. Brackets: subject-level bootstrap "
             "95% CI. Several seeds of one model: mean ± sd. A re-run of a seed already on the board is a "
             "reproduction, listed in its row's records with its drift from the first run (never counted as a seed). *floor* rows are trivial references; "
             "selection `test-fold` means epochs/models were picked on the test fold (a leak).", ""]
    for (dataset, task, protocol), rows in board_rows(records).items():
        lines += [f"## {md(task)} · {md(protocol)} · dataset `{md(dataset[:19])}…`", "",
                  f"{rows[0]['n_samples']} samples; fold map `{md(rows[0]['fold_map'][:12])}`", "",
                  "| # | model | UF1 pooled | UAR pooled | accuracy | UF1 / UAR mean over folds | worst-subject UAR "
                  "| selection | records |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for rank, row in enumerate(rows, 1):
            name = md(row["model"]) + (" *(floor)*" if row["kind"] == "floor" else "")
            if row["description"]:
                name += f"<br><sub>{md(row['description'][:200])}</sub>"
            sel = md(row["selection"]) + (" ⚠ leak" if row["selection"] == "test-fold" else "")
            lines.append(f"| {rank} | {name} | {score_cell(row['uf1'], row['uf1_sd'], row['ci_uf1'])} | "
                         f"{score_cell(row['uar'], row['uar_sd'], row['ci_uar'])} | {fmt(row['accuracy'])} | "
                         f"{fmt(row['mof_uf1'])} / {fmt(row['mof_uar'])} | {fmt(row['worst'])} | {sel} | "
                         f"{records_cell(row)} |")  # hex ids and whole numbers only
        lines.append("")
    lines += interval_lines(records)
    problems = [p for p in problems if p.severity == "error"]
    if problems:
        lines += ["## Damaged records (left out above)", "", "| file | problem |", "|---|---|"]
        lines += [f"| {md(p.file or '')} | {md(p.message)} |" for p in problems]
        lines.append("")
    reported = reported_records()
    lines += ["## Reported in the CMED paper (not re-measured here)", "",
              f"{md(reported[0]['source'])}. Official release (profile `{reported[0]['profile']}`), "
              f"protocol {reported[0]['protocol']}, aggregation as stated by the paper (pooled or per-fold is not "
              "said); epoch selection not stated.", "",
              "| model | task | UF1 | UAR | accuracy |", "|---|---|---|---|---|"]
    for r in reported:
        lines.append(f"| {md(r['model'])} | {r['task']} | {r['uf1']:.4f} | {r['uar']:.4f} | {r['accuracy']:.4f} |")
    return "\n".join(lines) + "\n"


def interval_groups(records: Iterable[dict]) -> dict[tuple[str, str, str], list[dict]]:
    """(dataset, task, protocol) -> the latest interval record per model, ranked by STRS where the task
    has one, else by pooled F1 (ties: model name)."""
    latest: dict[tuple, dict] = {}
    for r in records:
        if is_interval_record(r):
            latest[(r["dataset_fingerprint"], r["task"], r["protocol"], r["model"])] = r
    groups: dict[tuple, list[dict]] = {}
    for (d, t, p, _), r in sorted(latest.items()):
        groups.setdefault((d, t, p), []).append(r)
    for recs in groups.values():
        recs.sort(key=lambda r: (-r["result"].get("strs", r["result"]["pooled"]["f1"]), r["model"]))
    return groups


def interval_lines(records: list[dict]) -> list[str]:
    """The interval tasks (long-video spotting, Spot-then-Recognize) as Markdown tables (``interval_groups``)."""
    lines = []
    for (dataset, task, protocol), recs in interval_groups(records).items():
        res = recs[0]["result"]
        lines += [f"## {escape(task, 'markdown')} · {escape(protocol, 'markdown')} · dataset `{dataset[:19]}…` "
                  "(intervals)", "",
                  f"{recs[0]['n_samples']} videos; IoU >= {res.get('threshold')}, pooled over videos (MEGC)", "",
                  "| # | model | F1 | precision | recall | F1 mean over folds | STRS | records |", "|---|---|---|---|---|---|---|---|"]
        for rank, r in enumerate(recs, 1):
            x = r["result"]
            name = escape(r["model"], "markdown") + (" *(floor)*" if r["kind"] == "floor" else "")
            lines.append(f"| {rank} | {name} | {fmt(x['pooled']['f1'])} | {fmt(x['pooled']['precision'])} | "
                         f"{fmt(x['pooled']['recall'])} | {fmt(x['mean_over_folds']['f1'])} | {fmt(x.get('strs'))} | "
                         f"{r['id'][:8]} |")
        lines.append("")
    return lines


def board_json(records: list[dict]) -> list[dict]:
    return [{"dataset_fingerprint": d, "task": t, "protocol": p, "rank": i + 1, **row}
            for (d, t, p), rows in board_rows(records).items() for i, row in enumerate(rows)]


def board_csv(records: list[dict]) -> str:
    """One line per board row; text cells cannot run as spreadsheet formulas."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for row in board_json(records):
        row = dict(row, seeds=" ".join(",".join(map(str, s)) for s in row["seeds"]))
        w.writerow([escape(row[c], "csv") if isinstance(row[c], str) else row[c] for c in CSV_COLUMNS])
    return buf.getvalue()
