"""Parsing a prediction file like a competition's submission parser: every problem in one pass.

Format (CSV, UTF-8, header required, rows in any order; matched by id, never by row order)::

    sample_id,prediction[,fold][,score_<label> for every label of the task]

* ``sample_id``: every id of the task's fold map exactly once, nothing else;
* ``prediction``: one of the task's label names, exactly as spelled in the task;
* ``fold`` (optional): must equal the published fold of that sample;
* ``score_<label>`` (optional, all or none): probabilities in [0, 1] summing to 1 per row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..bounded import InputRefused, is_blank, read_bounded
from ..problems import Problem
from .splits import Benchmark
from .tasks import tasks

CHECK = "submission"
BYTES_PER_SAMPLE_LIMIT = 512  # a row with every optional column is < 200 bytes
MIN_LIMIT = 1 << 20
SUM_TOLERANCE = 1e-3


class SubmissionError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the prediction file")


@dataclass(frozen=True)
class Submission:
    y_pred: np.ndarray  # int codes aligned with Benchmark.sample_ids
    scores: np.ndarray | None  # n x n_labels probabilities, or None
    sha256: str
    n_rows: int
    warnings: tuple[Problem, ...] = ()
    data: bytes = b""  # the file as submitted (what the leaderboard keeps)

    def same_predictions(self, other: Submission) -> bool:
        """Equal ids, labels and scores, however either file was formatted."""
        if not np.array_equal(self.y_pred, other.y_pred):
            return False
        if self.scores is None or other.scores is None:
            return self.scores is None and other.scores is None
        return self.scores.shape == other.scores.shape and np.array_equal(self.scores, other.scores)


def expected_format(bench: Benchmark) -> str:
    labels = bench.task.labels
    return (f"CSV, UTF-8, one header line then one row per sample of task {bench.task.name!r} "
            f"({len(bench.sample_ids)} rows, any order).\n"
            f"Required columns: sample_id, prediction. Optional: fold, "
            + ", ".join(f"score_{label}" for label in labels) + " (all score columns or none).\n"
            f"prediction is one of: {', '.join(labels)}.\n"
            f"sample_id and fold come from the fold map {bench.protocol} of the benchmark folder "
            f"(folds/{bench.task.name}/{bench.protocol}.csv).")


def _hint(value: str, labels: tuple[str, ...], task_name: str) -> str:
    import difflib

    v = value.strip()
    if is_number(v):
        return f"; labels are names, not numbers: use one of {', '.join(labels)}"
    close = difflib.get_close_matches(v.lower(), labels, n=1, cutoff=0.5)
    if close:
        return f" (did you mean {close[0]!r}?)"
    for other in tasks().values():
        if other.name != task_name and v in other.labels:
            return f" ({v!r} is a label of task {other.name!r}; this file is scored as {task_name!r})"
    return f"; expected one of {', '.join(labels)}"


def is_number(text: str) -> bool:
    """Text that float() reads: what a user meant as a number, even where a label or a type was due."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def size_limit(n_samples: int) -> int:
    """The most bytes a prediction file for ``n_samples`` samples may have."""
    return max(MIN_LIMIT, BYTES_PER_SAMPLE_LIMIT * n_samples)


def read_bytes(source: str | os.PathLike | bytes, limit: int) -> tuple[bytes, str]:
    """The file's bytes (read with a hard bound, from pipes and devices too) and the name to report."""
    if isinstance(source, bytes):
        data, name = source, "<predictions>"
    else:
        path = Path(source)
        name = path.name or str(path)
        try:
            data = read_bounded(path, limit)
        except InputRefused as exc:
            raise SubmissionError([Problem(CHECK, "error", exc.reason, str(path))]) from None
    if len(data) > limit:
        raise SubmissionError([Problem(CHECK, "error", f"{len(data)} bytes is over the {limit} byte limit", name)])
    return data, name


def parse_submission(source: str | os.PathLike | bytes, bench: Benchmark) -> Submission:
    """Validate and align a prediction file; raises SubmissionError listing every problem."""
    labels = bench.task.labels
    n = len(bench.sample_ids)
    data, name = read_bytes(source, size_limit(n))
    raw, sha = data, hashlib.sha256(data).hexdigest()
    errors: list[Problem] = []
    warnings: list[Problem] = []

    def err(message, line=None, column=None, value=None):
        errors.append(Problem(CHECK, "error", message, name, line, column, value))

    if is_blank(data):
        raise SubmissionError([Problem(CHECK, "error", "file is empty", name)])
    if b"\x00" in data:
        raise SubmissionError([Problem(CHECK, "error", "not a CSV file (binary content)", name)])
    if data.startswith(b"\xef\xbb\xbf"):
        warnings.append(Problem(CHECK, "warning", "byte-order mark ignored", name, 1))
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubmissionError([Problem(CHECK, "error", "not UTF-8 text", name, line)]) from None

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise SubmissionError([Problem(CHECK, "error", f"not a CSV file: {exc}", name, 1)]) from None
    if not any(header):
        raise SubmissionError([Problem(CHECK, "error", "the first line is blank; it must be the header "
                                                       "(sample_id,prediction,...)", name, 1)])
    score_cols = [f"score_{label}" for label in labels]
    allowed = ["sample_id", "prediction", "fold"] + score_cols
    for col in sorted(set(header)):
        if header.count(col) > 1:
            err(f"column {col!r} appears {header.count(col)} times", 1, col)
    for col in header:
        if col not in allowed:
            hint = ""
            if col.startswith("score_"):
                hint = f" (score columns of {bench.task.name}: {', '.join(score_cols)})"
            err(f"unexpected column {col!r}{hint}; allowed: sample_id, prediction, fold, score_<label>", 1, col)
    for col in ("sample_id", "prediction"):
        if col not in header:
            err(f"required column {col!r} is missing (header is {header})", 1)
    given_scores = [c for c in score_cols if c in header]
    if given_scores and len(given_scores) != len(score_cols):
        missing = [c for c in score_cols if c not in header]
        err(f"score columns must be all or none; missing {', '.join(missing)}", 1)
        given_scores = []  # rows are still checked, without their scores
    if "sample_id" not in header or "prediction" not in header or len(set(header)) != len(header):
        raise SubmissionError(errors)  # rows cannot be interpreted

    col = {c: i for i, c in enumerate(header)}
    index = bench.index_of()
    code = {label: i for i, label in enumerate(labels)}
    y_pred = np.full(n, -1, dtype=np.int64)
    scores = np.full((n, len(labels)), np.nan) if given_scores else None
    width, sid_at, pred_at, fold_at = len(header), col["sample_id"], col["prediction"], col.get("fold")
    fold_of = bench.folds.tolist()
    rows = SampleRows(reader, width, sid_at, index, f"{bench.task.name}/{bench.protocol}", err)
    try:
        for line, row, pos in rows:
            pred = row[pred_at]
            label = code.get(pred)
            if label is not None:
                y_pred[pos] = label
            elif not pred.strip() or pred.strip().lower() in ("nan", "na", "null", "none"):
                err("blank or NaN prediction", line, "prediction", pred)
            else:
                err(f"prediction {pred!r} is not a label of {bench.task.name}{_hint(pred, labels, bench.task.name)}",
                    line, "prediction", pred)
            if fold_at is not None and row[fold_at].strip() != fold_of[pos]:
                err(f"fold {row[fold_at]!r} contradicts the fold map ({fold_of[pos]!r})", line, "fold", row[fold_at])
            if scores is not None:
                _scores_row(row, col, score_cols, scores, pos, line, err)
    except csv.Error as exc:
        err(f"not a CSV file: {exc}", reader.line_num)
    rows.check_complete(bench.sample_ids.tolist())
    if errors:
        raise SubmissionError(errors)
    return Submission(y_pred, scores, sha, rows.n_rows, tuple(warnings), raw)


class SampleRows:
    """The data rows of a submission CSV, one per known ``sample_id``: iterating yields
    ``(line, row, position)``; blank lines are skipped, and rows of the wrong width or with a blank,
    repeated or unknown id are reported through ``err`` instead of yielded. ``where`` ("task/protocol") names the benchmark."""

    def __init__(self, reader, width: int, sid_at: int, index: dict[str, int], where: str, err):
        self.reader, self.width, self.sid_at, self.index, self.where, self.err = reader, width, sid_at, index, where, err
        self.first_line: dict[str, int] = {}
        self.n_rows = 0

    def __iter__(self):
        err = self.err
        for row in self.reader:
            line = self.reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            self.n_rows += 1
            if len(row) != self.width:
                err(f"row has {len(row)} fields, header has {self.width}", line)
                continue
            sid = row[self.sid_at].strip()
            if not sid:
                err("blank sample_id", line, "sample_id")
                continue
            if sid in self.first_line:
                err(f"sample_id {sid!r} appears again (first on line {self.first_line[sid]})", line, "sample_id", sid)
                continue
            self.first_line[sid] = line
            pos = self.index.get(sid)
            if pos is None:
                err(f"unknown sample_id {sid!r} (not in {self.where})", line, "sample_id", sid)
                continue
            yield line, row, pos

    def check_complete(self, sample_ids: list[str]) -> None:
        """Report the benchmark's samples that no row named."""
        missing = [s for s in sample_ids if s not in self.first_line]
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            self.err(f"{len(missing)} sample(s) of {self.where} have no row: {shown}")


def _scores_row(row, col, score_cols, scores, pos, line, err) -> None:
    total = 0.0
    ok = True
    for j, c in enumerate(score_cols):
        text = row[col[c]].strip()
        try:
            v = float(text)
        except ValueError:
            err(f"{c} {text!r} is not a number", line, c, text)
            ok = False
            continue
        if not math.isfinite(v) or v < 0 or v > 1:
            err(f"{c} {text!r} is not a probability in [0, 1]", line, c, text)
            ok = False
            continue
        scores[pos, j] = v
        total += v
    if ok and abs(total - 1.0) > SUM_TOLERANCE:
        err(f"scores sum to {total:.4f}, not 1", line)
