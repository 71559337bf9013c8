"""The leaderboard: immutable, content-addressed JSON records and the board rendered from them alone.

``leaderboard/records/<id>.json`` holds one submission; ``<id>`` is the first 16 hex digits of the
sha256 of the record's canonical JSON (without the id), so a record cannot change without its name
changing. Every write happens under a file lock, into a temp file renamed into place; the rendered
``LEADERBOARD.md`` is rebuilt from the records on each write and by ``leaderboard --check``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import statistics
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import write_text

RECORD_FORMAT = "cmedbench-record-v1"
SELECTIONS = ("fixed-epochs", "inner-validation", "test-fold", "undeclared")
REQUIRED = ("record_format", "id", "kind", "model", "description", "task", "protocol", "dataset_fingerprint",
            "fold_map_sha256", "prediction_sha256", "n_samples", "selection", "seeds", "harness", "submitted",
            "result")
MAX_MODEL = 80
MAX_DESCRIPTION = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class LeaderboardError(ValueError):
    pass


def record_id(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "id"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def check_text(model: str, description: str) -> list[str]:
    """Reasons a model name or description is refused (newlines and control characters)."""
    problems = []
    if not model.strip():
        problems.append("model name is empty")
    if len(model) > MAX_MODEL:
        problems.append(f"model name is {len(model)} characters, at most {MAX_MODEL}")
    if _CONTROL.search(model):
        problems.append("model name contains a newline or control character")
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"description is {len(description)} characters, at most {MAX_DESCRIPTION}")
    if _CONTROL.search(description.replace("\n", " ")):
        problems.append("description contains control characters")
    return problems


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def make_record(result: dict, model: str, description: str = "", selection: str = "undeclared",
                seeds: list[int] | None = None, code_url: str | None = None, kind: str = "measured",
                extra: dict | None = None) -> dict:
    problems = check_text(model, description)
    if kind == "floor":
        selection = "n/a (no training)"
    elif selection not in SELECTIONS:
        problems.append(f"selection must be one of {', '.join(SELECTIONS)}")
    if problems:
        raise LeaderboardError("; ".join(problems))
    metrics = {k: v for k, v in result.items()
               if k not in ("task", "protocol", "dataset_fingerprint", "fold_map_sha256", "prediction_sha256")}
    record = {
        "record_format": RECORD_FORMAT,
        "kind": kind,
        "model": model.strip(),
        "description": description.strip(),
        "task": result["task"],
        "protocol": result["protocol"],
        "dataset_fingerprint": result["dataset_fingerprint"],
        "fold_map_sha256": result["fold_map_sha256"],
        "prediction_sha256": result["prediction_sha256"],
        "n_samples": result["n_samples"],
        "selection": selection,
        "seeds": list(seeds or []),
        "code_url": code_url,
        "harness": {"cmedbench": __version__, "metrics": result.get("metrics"), "git_commit": git_commit()},
        "submitted": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "result": metrics,
        **(extra or {}),
    }
    record["id"] = record_id(record)
    return record


@dataclass
class Leaderboard:
    root: Path

    @property
    def records_dir(self) -> Path:
        return self.root / "records"

    def _lock(self):
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.root / ".lock"), timeout=120)

    def records(self) -> list[dict]:
        out = []
        if self.records_dir.is_dir():
            for path in sorted(self.records_dir.glob("*.json")):
                out.append(json.loads(path.read_text("utf-8")))
        return out

    def find(self, prefix: str) -> dict:
        hits = [r for r in self.records() if r["id"].startswith(prefix)]
        if not hits:
            raise LeaderboardError(f"no record with id starting {prefix!r} in {self.records_dir}")
        if len(hits) > 1:
            raise LeaderboardError(f"id prefix {prefix!r} is ambiguous: {', '.join(r['id'] for r in hits)}")
        return hits[0]

    def add(self, record: dict) -> Path:
        """Store one record (refusing an identical prediction file) and re-render the board, under the lock."""
        with self._lock():
            for other in self.records():
                same = all(other.get(k) == record.get(k) for k in
                           ("prediction_sha256", "task", "protocol", "dataset_fingerprint", "fold_map_sha256"))
                if same:
                    raise LeaderboardError(f"this prediction file was already submitted as record {other['id']} "
                                           f"(model {other['model']!r}); records are immutable")
            path = self.records_dir / f"{record['id']}.json"
            write_text(path, json.dumps(record, indent=1, sort_keys=True) + "\n")
            self.render()
        return path

    def render(self) -> Path:
        return write_text(self.root / "LEADERBOARD.md", render_markdown(self.records()))

    def check(self) -> list[str]:
        """Every problem with the stored records; rebuilds LEADERBOARD.md from the records."""
        problems = []
        with self._lock():
            for path in sorted(self.records_dir.glob("*.json")) if self.records_dir.is_dir() else []:
                try:
                    rec = json.loads(path.read_text("utf-8"))
                except (OSError, ValueError) as exc:
                    problems.append(f"{path.name}: not readable JSON ({exc})")
                    continue
                missing = [k for k in REQUIRED if k not in rec]
                if missing:
                    problems.append(f"{path.name}: missing fields {', '.join(missing)}")
                    continue
                if record_id(rec) != rec["id"]:
                    problems.append(f"{path.name}: content does not match its id (edited after submission?)")
                if path.stem != rec["id"]:
                    problems.append(f"{path.name}: file name does not match id {rec['id']}")
            self.render()
        return problems


# ---- rendering ----------------------------------------------------------------------------------------

def md_escape(text: Any) -> str:
    """Safe inside a Markdown table cell: no HTML, no cell or row breaks, no code spans."""
    s = str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    s = re.sub(r"[\r\n\t]+", " ", s)
    return _CONTROL.sub("", s)


def csv_safe(text: Any) -> str:
    """Neutralise spreadsheet formulas (cells starting with = + - @ or a tab)."""
    s = str(text)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def reported_records() -> list[dict]:
    """The paper's Table VI, as read-only 'reported' rows tied to the cmed-v1 profile."""
    import yaml

    data = yaml.safe_load(resources.files("cmedbench.bench").joinpath("reported", "cmed-v1-table-vi.yaml")
                          .read_text("utf-8"))
    return [dict(row, profile=data["profile"], source=data["source"], protocol=data["protocol"])
            for row in data["rows"]]


def _fmt(x: float | None, nd: int = 4) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def board_rows(records: list[dict]) -> dict[tuple[str, str, str], list[dict]]:
    """Groups (dataset, task, protocol) -> rows ranked by pooled UF1; replicate seeds merged as mean ± sd."""
    groups: dict[tuple, dict[tuple, list[dict]]] = {}
    for r in records:
        key = (r["dataset_fingerprint"], r["task"], r["protocol"])
        model_key = (r["model"], r["kind"], r["selection"], r["description"])
        groups.setdefault(key, {}).setdefault(model_key, []).append(r)
    out = {}
    for key, models in groups.items():
        rows = []
        for (model, kind, selection, description), recs in models.items():
            uf1 = [x["result"]["pooled"]["uf1"] for x in recs]
            uar = [x["result"]["pooled"]["uar"] for x in recs]
            rows.append({
                "model": model, "kind": kind, "selection": selection, "description": description,
                "n_replicates": len(recs), "ids": [x["id"] for x in recs],
                "uf1": statistics.fmean(uf1), "uf1_sd": statistics.stdev(uf1) if len(recs) > 1 else None,
                "uar": statistics.fmean(uar), "uar_sd": statistics.stdev(uar) if len(recs) > 1 else None,
                "accuracy": statistics.fmean(x["result"]["pooled"]["accuracy"] for x in recs),
                "mof_uf1": statistics.fmean(x["result"]["mean_over_folds"]["uf1"] for x in recs),
                "mof_uar": statistics.fmean(x["result"]["mean_over_folds"]["uar"] for x in recs),
                "worst": min(x["result"]["worst_subject"]["uar"] for x in recs),
                "ci_uf1": recs[0]["result"]["ci95"]["uf1"] if len(recs) == 1 else None,
                "ci_uar": recs[0]["result"]["ci95"]["uar"] if len(recs) == 1 else None,
                "seeds": sorted({s for x in recs for s in x.get("seeds", [])}),
                "n_samples": recs[0]["n_samples"], "fold_map": recs[0]["fold_map_sha256"],
            })
        rows.sort(key=lambda row: (-row["uf1"], -row["uar"], row["model"]))
        out[key] = rows
    return dict(sorted(out.items()))


def _score_cell(mean: float, sd: float | None, ci: list[float] | None) -> str:
    if sd is not None:
        return f"{mean:.4f} ± {sd:.4f}"
    return f"{mean:.4f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{mean:.4f}"


def render_markdown(records: list[dict]) -> str:
    lines = ["# cmedbench leaderboard", "",
             "Generated from `leaderboard/records/*.json` by `cmedbench leaderboard --check`; do not edit.",
             "Ranked by **pooled UF1** (MEGC-2019: confusion matrices of all folds summed, then UF1 over the "
             "task's classes). Mean-over-folds (DFME) is shown beside it. Brackets: subject-level bootstrap "
             "95% CI. Several seeds of one model: mean ± sd. *floor* rows are trivial references; "
             "selection `test-fold` means epochs/models were picked on the test fold (a leak).", ""]
    for (dataset, task, protocol), rows in board_rows(records).items():
        lines += [f"## {md_escape(task)} · {md_escape(protocol)} · dataset `{md_escape(dataset[:19])}…`", "",
                  f"{rows[0]['n_samples']} samples; fold map `{rows[0]['fold_map'][:12]}`", "",
                  "| # | model | UF1 pooled | UAR pooled | accuracy | UF1 / UAR mean over folds | worst-subject UAR "
                  "| selection | records |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for rank, row in enumerate(rows, 1):
            name = md_escape(row["model"]) + (" *(floor)*" if row["kind"] == "floor" else "")
            if row["description"]:
                name += f"<br><sub>{md_escape(row['description'][:200])}</sub>"
            sel = md_escape(row["selection"]) + (" ⚠ leak" if row["selection"] == "test-fold" else "")
            reps = ", ".join(i[:8] for i in row["ids"])
            if row["n_replicates"] > 1:
                reps = f"{row['n_replicates']} seeds: {reps}"
            lines.append(f"| {rank} | {name} | {_score_cell(row['uf1'], row['uf1_sd'], row['ci_uf1'])} | "
                         f"{_score_cell(row['uar'], row['uar_sd'], row['ci_uar'])} | {_fmt(row['accuracy'])} | "
                         f"{_fmt(row['mof_uf1'])} / {_fmt(row['mof_uar'])} | {_fmt(row['worst'])} | {sel} | {reps} |")
        lines.append("")
    reported = reported_records()
    lines += ["## Reported in the CMED paper (not re-measured here)", "",
              f"{md_escape(reported[0]['source'])}. Official release (profile `{reported[0]['profile']}`), "
              f"protocol {reported[0]['protocol']}, aggregation as stated by the paper (pooled or per-fold is not "
              "said); epoch selection not stated.", "",
              "| model | task | UF1 | UAR | accuracy |", "|---|---|---|---|---|"]
    for r in reported:
        lines.append(f"| {md_escape(r['model'])} | {r['task']} | {r['uf1']:.4f} | {r['uar']:.4f} | {r['accuracy']:.4f} |")
    return "\n".join(lines) + "\n"


def board_json(records: list[dict]) -> list[dict]:
    return [{"dataset_fingerprint": d, "task": t, "protocol": p, "rank": i + 1, **row}
            for (d, t, p), rows in board_rows(records).items() for i, row in enumerate(rows)]
