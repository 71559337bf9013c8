"""The leaderboard: submissions become records on an append-only ledger (``ledger.py``) and the board
(``board.py``) is rendered from those records alone.

Every write happens under one file lock: the ledger is read and verified, the submission is compared
with the records already there (by content: parsed ids, labels and scores, not bytes), its
prediction file is kept, the record is chained after the head and the board is re-rendered. A
damaged ledger is never appended to.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..atomic import write_text
from ..problems import Problem
from .audit import audit, stored_result
from .board import render_markdown
from .ledger import BlobError, LedgerState, Stored, blob_path, read_blob, read_state, store_blob, write_record

SELECTIONS = ("fixed-epochs", "inner-validation", "test-fold", "undeclared")
KINDS = ("measured", "floor")
MAX_MODEL = 80
MAX_DESCRIPTION = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class LeaderboardError(ValueError):
    """A submission or a board the leaderboard refuses; the message says why."""


class AlreadySubmitted(LeaderboardError):
    """The same predictions are on the board for this model; ``restored`` when this submission brought
    back the kept predictions of a record that lacked them."""

    def __init__(self, message: str, record: dict, restored: bool = False):
        super().__init__(message)
        self.record = record
        self.restored = restored


class CollectError(LeaderboardError):
    """A result folder that cannot be collected (its submission.json or predictions); names the file."""


class LedgerDamaged(LeaderboardError):
    """The ledger has problems (``problems``); nothing is appended until they are resolved."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        super().__init__(f"the ledger is damaged ({len(problems)} problem(s); first: "
                         f"{first.file + ': ' if first.file else ''}{first.message}); nothing was stored")


@dataclass(frozen=True)
class SubmissionInfo:
    """What a submitter states about a prediction file."""

    model: str
    description: str = ""
    selection: str = "undeclared"
    seeds: tuple[int, ...] = ()
    code_url: str | None = None
    kind: str = "measured"
    provenance: dict | None = None  # where a baseline ran: device, versions, determinism (its run.json)


@dataclass(frozen=True)
class Receipt:
    record: dict
    path: Path
    result: dict


@dataclass
class CheckReport:
    state: LedgerState
    problems: list[Problem]  # the ledger's own, then re-scoring's, then the published head's
    rescored: int
    not_rescored: int

    @property
    def length(self) -> int:
        return self.state.length

    @property
    def head(self) -> str | None:
        return self.state.head

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class Collected:
    stored: list[Receipt] = field(default_factory=list)
    already: int = 0
    restored: int = 0


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


def make_record(result: dict, info: SubmissionInfo) -> dict:
    """A record's body (the ledger adds its position, predecessor and id when it is stored)."""
    problems = check_text(info.model, info.description)
    selection = info.selection
    if info.kind == "floor":
        selection = "n/a (no training)"
    elif selection not in SELECTIONS:
        problems.append(f"selection must be one of {', '.join(SELECTIONS)}")
    if info.kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    if problems:
        raise LeaderboardError("; ".join(problems))
    return {
        "kind": info.kind,
        "model": info.model.strip(),
        "description": info.description.strip(),
        "task": result["task"],
        "protocol": result["protocol"],
        "dataset_fingerprint": result["dataset_fingerprint"],
        "fold_map_sha256": result["fold_map_sha256"],
        "prediction_sha256": result["prediction_sha256"],
        "n_samples": result["n_samples"],
        "selection": selection,
        "seeds": list(info.seeds),
        "code_url": info.code_url,
        "harness": {"cmedbench": __version__, "metrics": result.get("metrics"), "git_commit": git_commit()},
        "submitted": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "result": stored_result(result),
    } | ({"provenance": info.provenance} if info.provenance else {})


def _same_model(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@dataclass
class Leaderboard:
    root: Path

    def __post_init__(self):
        self.root = Path(self.root)

    @property
    def records_dir(self) -> Path:
        return self.root / "records"

    def _lock(self):
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.root / ".lock"), timeout=120)

    def state(self) -> LedgerState:
        """Every sound record in chain order and every problem of the ledger (never raises)."""
        return read_state(self.root)

    def records(self) -> list[dict]:
        return [s.record for s in self.state().records]

    def find(self, prefix: str) -> dict:
        hits = [r for r in self.records() if r["id"].startswith(prefix.lower())] if prefix else []
        if not hits:
            raise LeaderboardError(f"no record with id starting {prefix!r} in {self.records_dir}")
        if len(hits) > 1:
            raise LeaderboardError(f"id prefix {prefix!r} is ambiguous: {', '.join(r['id'] for r in hits)}")
        return hits[0]

    def submit(self, evaluator, predictions, info: SubmissionInfo) -> Receipt:
        """Validate, score and store ``predictions`` as one record, or raise: SubmissionError (the file),
        LeaderboardError (the stated info), AlreadySubmitted, LedgerDamaged."""
        sub = evaluator.parse(predictions)
        result = evaluator.score(sub)
        body = make_record(result, info)
        with self._lock():
            state = read_state(self.root)
            if state.problems:
                raise LedgerDamaged(state.problems)
            self._refuse_duplicate(state, body, sub, evaluator)
            store_blob(self.root, sub.data)
            record, path = write_record(self.root, body, state.records[-1] if state.records else None,
                                        state.length)
            self._render(read_state(self.root))
        return Receipt(record, path, result)

    def _refuse_duplicate(self, state: LedgerState, body: dict, sub, evaluator) -> None:
        """AlreadySubmitted when a record of the same model holds the same predictions."""
        from .submission import SubmissionError, size_limit

        same_place = ("dataset_fingerprint", "fold_map_sha256", "task", "protocol")
        for stored in state.records:
            rec = stored.record
            if any(rec[k] != body[k] for k in same_place) or not _same_model(rec["model"], body["model"]):
                continue
            said = f"these predictions are already on the board as record {rec['id']} (model {rec['model']!r})"
            if rec["prediction_sha256"] == body["prediction_sha256"]:
                restored = not blob_path(self.root, rec["prediction_sha256"]).exists()
                if restored:
                    store_blob(self.root, sub.data)
                raise AlreadySubmitted(said + "; records are immutable", rec, restored)
            # interval records (no confusion matrix) compare their whole result
            if rec["result"].get("per_subject_confusion", rec["result"]) != \
                    body["result"].get("per_subject_confusion", body["result"]):
                continue  # different labels somewhere: cannot be the same predictions
            limit = evaluator.size_limit() if hasattr(evaluator, "size_limit") else \
                size_limit(len(evaluator.bench.sample_ids))
            try:
                kept = read_blob(self.root, rec["prediction_sha256"], limit)
            except BlobError:
                raise AlreadySubmitted(said + " (same per-subject confusion; its predictions are not kept, so "
                                              "they cannot be told apart)", rec) from None
            try:
                same = evaluator.parse(kept).same_predictions(sub)
            except SubmissionError:
                same = False
            if same:
                raise AlreadySubmitted(said + ", formatted differently; records are immutable", rec)

    def collect(self, results_dir: Path, splits_dir: Path) -> Collected:
        """Submit every ``RESULTS/*/*/predictions.csv`` with its ``submission.json`` (the baselines'
        outputs); predictions already on the board are counted, not stored again."""
        from .collect import each_result
        from .submission import SubmissionError

        out = Collected()
        for ev, predictions, info in each_result(Path(results_dir), Path(splits_dir)):
            try:
                out.stored.append(self.submit(ev, predictions, info))
            except AlreadySubmitted as exc:
                out.already += 1
                out.restored += exc.restored
            except SubmissionError as exc:
                first = exc.problems[0]
                where = f", {first.location()}" if first.line is not None else ""
                raise CollectError(f"{predictions}{where}: {first.message} ({len(exc.problems)} problem(s))") from None
            except LedgerDamaged:
                raise
            except LeaderboardError as exc:
                raise CollectError(f"{predictions.parent / 'submission.json'}: {exc}") from None
        self.render()
        return out

    def render(self) -> Path:
        with self._lock():
            return self._render(self.state())

    def _render(self, state: LedgerState) -> Path:
        return write_text(self.root / "LEADERBOARD.md",
                          render_markdown([s.record for s in state.records], state.length, state.head,
                                          state.problems))

    def check(self, splits_dirs=(), published_head: str | None = None) -> CheckReport:
        """Verify the chain and HEAD, re-score every record from its kept predictions and the answer key
        of its dataset (a benchmark folder among ``splits_dirs``), and rebuild LEADERBOARD.md."""
        with self._lock():
            state = read_state(self.root)
            found = audit(self.root, state.records, splits_dirs)
            problems = state.problems + found.problems
            if published_head is not None:
                problems += _published_head_problems(state.records, published_head)
            self._render(state)
        return CheckReport(state, problems, found.rescored, found.not_rescored)


def _published_head_problems(records: list[Stored], published: str) -> list[Problem]:
    """A head hash published earlier must still be in the chain: records appended since are fine,
    a rewrite of anything before it is not."""
    wanted = published.strip().lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{12,64}", wanted):
        return [Problem("ledger", "error", f"published head {published[:70]!r} is not a hash (12 to 64 hex digits)")]
    if any(s.hash.startswith(wanted) for s in records):
        return []
    return [Problem("ledger", "error", f"the published head {wanted[:16]}… is not in this ledger: records up to "
                                       "it were removed or rewritten (or it belongs to another board)")]
