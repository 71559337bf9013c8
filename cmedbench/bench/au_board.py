"""The AU task's own ledger and board: ``leaderboard/au/``, beside the classification ledger.

The classification ledger's records hold confusion matrices and UAR/UF1, which a multi-label task does
not have, so AU records go to a ledger of their own with the same rules: append-only, each record
chained to the one before by hash (``prev``), its prediction file kept by sha256 (``predictions/``,
through the classification ledger's blob store), a submission already on it counted rather than
stored again, and nothing appended to a chain that does not verify.

```
leaderboard/au/
  records.jsonl                 one record a line, in order; ``id`` = first 16 hex of its hash
  predictions/<sha256>.csv.gz   each record's prediction file as submitted
  LEADERBOARD.md                rendered from the records alone
```
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..atomic import write_text
from .ledger import GENESIS, store_blob

RECORD_FORMAT = "cmedbench-au-record-v1"
MAX_LEDGER_BYTES = 64 << 20


class AUBoardError(ValueError):
    """A result folder that cannot be collected, or a ledger that does not verify; names the file."""


def record_hash(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "id"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def read_au_ledger(root: Path) -> list[dict]:
    """The records in order; AUBoardError naming the line whose record or link does not verify."""
    from ..bounded import InputRefused, read_bounded

    path = Path(root) / "records.jsonl"
    if not path.exists():
        return []
    try:
        text = read_bounded(path, MAX_LEDGER_BYTES).decode("utf-8")
    except (InputRefused, UnicodeDecodeError) as exc:
        raise AUBoardError(f"{path}: unreadable ({exc})") from None
    records, prev = [], GENESIS
    for n, line in enumerate(text.splitlines(), start=1):
        try:
            rec = json.loads(line)
        except ValueError:
            raise AUBoardError(f"{path}, line {n}: not a JSON record") from None
        if not isinstance(rec, dict) or rec.get("record_format") != RECORD_FORMAT:
            raise AUBoardError(f"{path}, line {n}: not an AU record ({RECORD_FORMAT})")
        if rec.get("prev") != prev or rec.get("seq") != n - 1:
            raise AUBoardError(f"{path}, line {n}: the chain is broken here (a record was edited, removed or "
                               "reordered)")
        digest = record_hash(rec)
        if rec.get("id") != digest[:16]:
            raise AUBoardError(f"{path}, line {n}: the record does not match its id (edited after it was stored)")
        records.append(rec)
        prev = digest
    return records


@dataclass
class AUCollected:
    stored: list[dict] = field(default_factory=list)
    already: int = 0
    unavailable: int = 0  # result folders of runs on a release that codes no AUs


def collect_au(results: str | Path, splits: str | Path, board: str | Path) -> AUCollected:
    """Score every ``RESULTS/<baseline>/predictions.csv`` with its ``submission.json``, append the new ones
    to the AU ledger and re-render its board."""
    from filelock import FileLock

    from .au_submission import AUEvaluator
    from .collect import read_json_object, submission_info
    from .splits import SplitsError
    from .submission import SubmissionError

    board = Path(board)
    board.mkdir(parents=True, exist_ok=True)
    out = AUCollected()
    with FileLock(str(board / ".lock"), timeout=120):
        records = read_au_ledger(board)
        for meta_path in sorted(Path(results).glob("*/submission.json")):
            try:
                meta = read_json_object(meta_path)
                if "unavailable" in meta:
                    out.unavailable += 1
                    continue
                info, task, protocol = submission_info(meta)
                ev = AUEvaluator(protocol, splits)
                sub = ev.parse(meta_path.parent / "predictions.csv")
            except (ValueError, SplitsError) as exc:
                if isinstance(exc, SubmissionError):
                    first = exc.problems[0]
                    exc = f"{first.location()}: {first.message}"
                raise AUBoardError(f"{meta_path.parent}: {exc}") from None
            result = ev.score(sub)
            same = ("dataset_fingerprint", "fold_map_sha256", "prediction_sha256", "protocol")
            if any(r["model"] == info.model and all(r[k] == result[k] for k in same) for r in records):
                out.already += 1
                continue
            store_blob(board, sub.data)
            rec = {"record_format": RECORD_FORMAT, "seq": len(records),
                   "prev": record_hash(records[-1]) if records else GENESIS, "kind": info.kind, "model": info.model,
                   "description": info.description, "selection": info.selection, "seeds": list(info.seeds),
                   "task": task, "protocol": protocol, "dataset_fingerprint": result["dataset_fingerprint"],
                   "fold_map_sha256": result["fold_map_sha256"], "prediction_sha256": result["prediction_sha256"],
                   "n_samples": result["n_samples"], "metrics": result["metrics"],
                   "submitted": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "result": {k: result[k] for k in ("aus", "pooled", "mean_over_folds", "per_au")}}
            rec["id"] = record_hash(rec)[:16]
            records.append(rec)
            out.stored.append(rec)
        lines = "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in records)
        write_text(board / "records.jsonl", lines)
        write_text(board / "LEADERBOARD.md", render_au_board(records))
    return out


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def render_au_board(records: list[dict]) -> str:
    """One table per (protocol, dataset): each model's latest record, best pooled mean F1 first."""
    intro = ("Per-AU F1 (pooled over all test folds) and their mean; floors are marked. "
             f"{len(records)} record(s) in records.jsonl.")
    lines = ["# AU detection board", "", intro, ""]
    groups: dict[tuple[str, str], dict[str, dict]] = {}
    for r in records:
        groups.setdefault((r["protocol"], r["dataset_fingerprint"]), {})[r["model"]] = r
    for (protocol, fingerprint), by_model in sorted(groups.items()):
        rows = sorted(by_model.values(), key=lambda r: -(r["result"]["pooled"]["mean_f1"] or 0.0))
        aus = rows[0]["result"]["aus"]
        lines += [f"## {rows[0]['task']} / {protocol} (dataset {fingerprint[:19]}, {rows[0]['n_samples']} samples)",
                  "", "| model | kind | mean F1 | mean F1 over folds | " + " | ".join(aus) + " | record |",
                  "|---|---|---|---|" + "---|" * len(aus) + "---|"]
        for r in rows:
            res = r["result"]
            cells = [r["model"].replace("|", "/"), r["kind"], _f(res["pooled"]["mean_f1"]),
                     _f(res["mean_over_folds"]["mean_f1"]), *(_f(res["pooled"]["f1"].get(a)) for a in aus),
                     f"`{r['id']}`"]
            lines.append("| " + " | ".join(cells) + " |")
        prevalence = ", ".join(f"{a} {res['per_au'][a]['prevalence']:.2f}" for a in aus)
        lines += ["", f"Prevalence: {prevalence}.", ""]
    return "\n".join(lines) + "\n"
