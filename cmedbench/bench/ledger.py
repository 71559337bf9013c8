"""The ledger under ``leaderboard/``: records in an append-only hash chain, read defensively.

```
leaderboard/
  records/<seq>-<id>.json       one record; ``seq`` its position (000000, 000001, ...), ``prev`` the
                                hash of the record before it (GENESIS for the first)
  HEAD                          {"format", "records", "head"}: the count and the last record's hash
  predictions/<sha256>.csv.gz   each record's prediction file as submitted, gzip, named by the
                                sha256 of its bytes (the record's ``prediction_sha256``)
```

A record's hash is the sha256 of its canonical JSON without ``id``; its ``id`` is the first 16 hex
digits of that hash. Because every hash covers ``prev``, editing, deleting, inserting or reordering a
record breaks a link that ``read_state`` names; removing the last records shows against HEAD; and a
rewrite of the whole chain shows against any head hash published before it.

Nothing here raises on a damaged file: each one becomes a located Problem and the rest still loads.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_bytes, write_text
from ..bounded import InputRefused, read_bounded
from ..problems import Problem

RECORD_FORMAT = "cmedbench-record-v2"
HEAD_FORMAT = "cmedbench-ledger-v1"
GENESIS = "0" * 64
MAX_RECORD_BYTES = 4 << 20  # a CMED record is ~30 kB
MAX_BLOB_BYTES = 64 << 20  # compressed
CHECK = "ledger"

_HEX16 = re.compile(r"[0-9a-f]{16}\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_NAME = re.compile(r"(\d{6,})-([0-9a-f]{16})\.json\Z")


class BlobError(ValueError):
    """A record's stored predictions are missing, too large, not gzip, or not the bytes it names."""


def canonical(record: dict) -> bytes:
    body = {k: v for k, v in record.items() if k != "id"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def record_hash(record: dict) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def record_file_name(record: dict) -> str:
    return f"{record['seq']:06d}-{record['id']}.json"


# ---- the record's shape -------------------------------------------------------------------------------

def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


FIELDS = {  # field -> (predicate, what it must be)
    "id": (lambda x: isinstance(x, str) and bool(_HEX16.match(x)), "16 hex digits"),
    "seq": (_int, "a whole number >= 0"),
    "prev": (lambda x: isinstance(x, str) and bool(_HEX64.match(x)), "64 hex digits"),
    "kind": (lambda x: x in ("measured", "floor"), "'measured' or 'floor'"),
    "model": (lambda x: isinstance(x, str), "text"),
    "description": (lambda x: isinstance(x, str), "text"),
    "task": (lambda x: isinstance(x, str), "text"),
    "protocol": (lambda x: isinstance(x, str), "text"),
    "dataset_fingerprint": (lambda x: isinstance(x, str), "text"),
    "fold_map_sha256": (lambda x: isinstance(x, str) and bool(_HEX64.match(x)), "64 hex digits"),
    "prediction_sha256": (lambda x: isinstance(x, str) and bool(_HEX64.match(x)), "64 hex digits"),
    "n_samples": (_int, "a whole number >= 0"),
    "selection": (lambda x: isinstance(x, str), "text"),
    "seeds": (lambda x: isinstance(x, list) and all(isinstance(s, int) and not isinstance(s, bool) for s in x),
              "a list of whole numbers"),
    "code_url": (lambda x: x is None or isinstance(x, str), "text or null"),
    "harness": (lambda x: isinstance(x, dict), "an object"),
    "submitted": (lambda x: isinstance(x, str), "text"),
    "result": (lambda x: isinstance(x, dict), "an object"),
}


def shape_problems(record) -> list[str]:
    """Why ``record`` is not a v2 record the board can show (empty when it is)."""
    if not isinstance(record, dict):
        return [f"not a JSON object but {type(record).__name__}"]
    fmt = record.get("record_format")
    if fmt != RECORD_FORMAT:
        old = fmt == "cmedbench-record-v1"
        hint = " (a board from before the hash chain; see leaderboard/migrate_v1.py)" if old else ""
        return [f"record_format is {str(fmt)[:40]!r}, expected {RECORD_FORMAT!r}{hint}"]
    out = [f"field {k!r} is missing" for k in FIELDS if k not in record]
    out += [f"field {k!r} must be {what}" for k, (ok, what) in FIELDS.items() if k in record and not ok(record[k])]
    if not out:
        out += _result_problems(record["result"])
    return out


def is_interval_record(record: dict) -> bool:
    """A long-video spotting / Spot-then-Recognize record (``cmedbench.spotting``): intervals scored by
    IoU, no confusion matrix and no clip metrics, so checks, boards and the site treat it apart."""
    result = record.get("result")
    return isinstance(result, dict) and result.get("scheme") == "intervals"


def _result_problems(result: dict) -> list[str]:
    if is_interval_record({"result": result}):  # F1 of intervals, no confusion matrix
        pooled, mof = result.get("pooled"), result.get("mean_over_folds")
        ok = (isinstance(pooled, dict) and all(_number(pooled.get(k)) for k in ("precision", "recall", "f1"))
              and isinstance(mof, dict) and _number(mof.get("f1")))
        return [] if ok else ["result.pooled must hold numbers precision, recall, f1 and result.mean_over_folds f1"]
    out = []
    for part, keys in (("pooled", ("uf1", "uar", "accuracy")), ("mean_over_folds", ("uf1", "uar", "accuracy")),
                       ("worst_subject", ("uar",))):
        block = result.get(part)
        if not isinstance(block, dict) or not all(_number(block.get(k)) for k in keys):
            out.append(f"result.{part} must hold numbers {', '.join(keys)}")
    ci = result.get("ci95")
    if not isinstance(ci, dict) or not all(isinstance(ci.get(k), list) and len(ci[k]) == 2
                                           and all(_number(v) for v in ci[k]) for k in ("uf1", "uar")):
        out.append("result.ci95 must hold two-number intervals uf1 and uar")
    labels = result.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        return out + ["result.labels must be a list of label names"]
    n = len(labels)
    cms = result.get("per_subject_confusion")
    square = (lambda m: isinstance(m, list) and len(m) == n
              and all(isinstance(r, list) and len(r) == n and all(_int(v) for v in r) for r in m))
    if not isinstance(cms, dict) or not cms or not all(square(m) for m in cms.values()):
        out.append(f"result.per_subject_confusion must map subjects to {n}x{n} count matrices")
    return out


# ---- reading the ledger --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    """One sound record as read from its file."""

    record: dict
    file: str
    hash: str


@dataclass
class LedgerState:
    """The records that can be shown (chain order) and every problem found reading them."""

    records: list[Stored] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    n_files: int = 0
    head: str | None = None  # hash of the record at the highest position, when it is sound
    length: int = 0  # highest position + 1

    @property
    def intact(self) -> bool:
        return not self.problems


def records(n: int) -> str:
    return f"{n} record{'' if n == 1 else 's'}"


def _problem(file: str | None, message: str, severity: str = "error") -> Problem:
    return Problem(CHECK, severity, message, file)


def load_record(path: Path) -> tuple[Stored | None, list[str]]:
    """A record file as a Stored record, or the reasons it cannot be one (never raises)."""
    try:
        data = read_bounded(path, MAX_RECORD_BYTES)
    except InputRefused as exc:
        return None, [exc.reason]
    try:
        record = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return None, [f"not UTF-8 (byte {exc.start + 1})"]
    except RecursionError:
        return None, ["not readable JSON (nested too deeply)"]
    except ValueError as exc:
        return None, [f"not readable JSON ({exc})"]
    problems = shape_problems(record)
    if problems:
        return None, problems
    return Stored(record, path.name, record_hash(record)), []


def read_state(root: Path) -> LedgerState:
    """Load every record under ``root/records`` and verify the chain and HEAD; never raises."""
    state = LedgerState()
    records_dir = root / "records"
    paths = sorted(p for p in records_dir.glob("*.json") if not p.name.startswith(".")) if records_dir.is_dir() else []
    state.n_files = len(paths)
    damaged: dict[int, str] = {}
    by_seq: dict[int, list[Stored]] = {}
    for path in paths:
        stored, reasons = load_record(path)
        if stored is None:
            state.problems += [_problem(path.name, r) for r in reasons]
            claimed = _NAME.match(path.name)
            if claimed:
                damaged[int(claimed.group(1))] = path.name
            continue
        by_seq.setdefault(stored.record["seq"], []).append(stored)
    positions = set(by_seq) | set(damaged)
    state.length = max(positions) + 1 if positions else 0
    previous: Stored | None = None
    for seq in range(state.length):
        here = by_seq.get(seq, [])
        if len(here) > 1:
            files = ", ".join(s.file for s in here)
            state.problems.append(_problem(here[1].file, f"{len(here)} records claim position {seq}: {files} "
                                                         "(a record was inserted)"))
        if not here:
            if seq not in damaged:
                before = previous.file if previous else "the start"
                state.problems.append(_problem(None, f"record {seq} is missing (deleted?): the ledger goes from "
                                                     f"{before} to position {seq + 1}"))
            previous = None
            continue
        current = next((s for s in here if previous and s.record["prev"] == previous.hash), here[0])
        if _check_one(current, seq, previous, state):  # an edited or renamed record is listed, not shown
            state.records.append(current)
        previous = current
    if state.records and state.records[-1].record["seq"] == state.length - 1:
        state.head = state.records[-1].hash
    _check_head(root, state)
    return state


def _check_one(stored: Stored, seq: int, previous: Stored | None, state: LedgerState) -> bool:
    """Record the problems of one record at position ``seq``; False when the record itself is unsound
    (its content or file name does not match its id), True when at most its link is broken."""
    rec = stored.record
    sound = True
    if rec["id"] != stored.hash[:16]:
        sound = False
        state.problems.append(_problem(stored.file, f"record {seq}: content does not match its id {rec['id']} "
                                                    "(edited after it was stored)"))
    elif stored.file != record_file_name(rec):
        sound = False
        state.problems.append(_problem(stored.file, f"file name does not match the record it holds "
                                                    f"({record_file_name(rec)}): renamed or moved"))
    if seq == 0:
        if rec["prev"] != GENESIS:
            state.problems.append(_problem(stored.file, "record 0 does not start the chain (its prev is not the "
                                                        "genesis hash): records before it were removed"))
    elif previous is not None and rec["prev"] != previous.hash:
        state.problems.append(_problem(stored.file, f"record {seq} does not follow record {seq - 1} "
                                                    f"({previous.file}): it names {rec['prev'][:16]}… as its "
                                                    f"predecessor, which hashes to {previous.hash[:16]}…; record "
                                                    f"{seq - 1} was edited, or records were reordered or inserted"))
    return sound


def read_head(root: Path) -> tuple[int, str] | None:
    """(records, head hash) from HEAD; None when there is no HEAD; ValueError when it is unreadable."""
    path = root / "HEAD"
    if not path.exists():
        return None
    try:
        data = json.loads(read_bounded(path, 4096).decode("utf-8"))
    except (InputRefused, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"HEAD is not readable ({exc})") from None
    ok = (isinstance(data, dict) and data.get("format") == HEAD_FORMAT and _int(data.get("records"))
          and isinstance(data.get("head"), str) and (_HEX64.match(data["head"]) or data["head"] == GENESIS))
    if not ok:
        raise ValueError(f"HEAD is not a {HEAD_FORMAT} head")
    return data["records"], data["head"]


def _check_head(root: Path, state: LedgerState) -> None:
    try:
        head = read_head(root)
    except ValueError as exc:
        state.problems.append(_problem("HEAD", str(exc)))
        return
    if head is None:
        if state.length:
            state.problems.append(_problem("HEAD", f"HEAD is missing, {records(state.length)} here"))
        return
    count, digest = head
    if count > state.length:
        gone = count - state.length
        removed = "record was removed" if gone == 1 else f"{gone} records were removed"
        state.problems.append(_problem("HEAD", f"HEAD says {records(count)}, only {state.length} here: the last "
                                               f"{removed}"))
    elif count < state.length:
        state.problems.append(_problem("HEAD", f"HEAD says {records(count)}, {state.length} are here: records from "
                                               f"position {count} on were added without the ledger (or a submit "
                                               "was interrupted)"))
    elif count and state.head is not None and digest != state.head:
        state.problems.append(_problem("HEAD", f"the last record does not hash to HEAD's {digest[:16]}…: it was "
                                               "edited or replaced"))


def write_head(root: Path, n_records: int, head: str) -> None:
    write_text(root / "HEAD", json.dumps({"format": HEAD_FORMAT, "records": n_records, "head": head}, indent=1) + "\n")


def write_record(root: Path, body: dict, previous: Stored | None, seq: int) -> tuple[dict, Path]:
    """Chain ``body`` after ``previous`` at position ``seq``, store it and move HEAD; (record, path)."""
    record = {k: v for k, v in body.items() if k not in ("id", "seq", "prev")}
    record.update(record_format=RECORD_FORMAT, seq=seq, prev=previous.hash if previous else GENESIS)
    digest = record_hash(record)
    record["id"] = digest[:16]
    path = write_text(root / "records" / record_file_name(record),
                      json.dumps(record, indent=1, sort_keys=True) + "\n")
    write_head(root, seq + 1, digest)
    return record, path


# ---- stored predictions ------------------------------------------------------------------------------

def blob_path(root: Path, sha256: str) -> Path:
    if not _HEX64.match(sha256):
        raise BlobError(f"{sha256[:70]!r} is not a sha256")
    return root / "predictions" / f"{sha256}.csv.gz"


def store_blob(root: Path, data: bytes) -> Path:
    """Keep a prediction file (gzip, byte-reproducible) under the sha256 of its bytes; idempotent."""
    path = blob_path(root, hashlib.sha256(data).hexdigest())
    if not path.exists():
        write_bytes(path, gzip.compress(data, compresslevel=9, mtime=0))
    return path


def read_blob(root: Path, sha256: str, limit: int) -> bytes:
    """The prediction file stored as ``sha256``, at most ``limit`` bytes once unpacked; BlobError otherwise."""
    path = blob_path(root, sha256)
    if not path.exists():
        raise BlobError(f"stored predictions {path.name} are missing")
    try:
        packed = read_bounded(path, MAX_BLOB_BYTES)
    except InputRefused as exc:
        raise BlobError(f"stored predictions {path.name}: {exc.reason}") from None
    unpack = zlib.decompressobj(wbits=31)
    try:
        data = unpack.decompress(packed, limit + 1)
    except zlib.error as exc:
        raise BlobError(f"stored predictions {path.name} are not gzip ({exc})") from None
    if len(data) > limit or not unpack.eof or unpack.unused_data:
        raise BlobError(f"stored predictions {path.name} unpack to more than {limit} bytes or hold extra data")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BlobError(f"stored predictions {path.name} do not hash to their name (edited)")
    return data
