"""Parsing and scoring an AU detection prediction file: every problem in one pass, then per-AU F1.

Format (CSV, UTF-8, header required, rows in any order; matched by id)::

    sample_id,AU1,AU2,...[,fold]

* ``sample_id``: every id of the fold map exactly once, nothing else;
* one column per AU the benchmark keeps (its manifest's ``aus``), all of them, no others: ``0``/``1``
  decisions or probabilities in [0, 1]; a sample counts as showing the AU when the value is >= 0.5;
* ``fold`` (optional): must equal the published fold of that sample.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
from dataclasses import dataclass

import numpy as np

from ..bounded import is_blank
from ..problems import Problem
from .au_metrics import evaluate_au
from .au_splits import AUBenchmark, load_au_benchmark
from .submission import SampleRows, SubmissionError, read_bytes, size_limit

CHECK = "au_submission"
THRESHOLD = 0.5
METRICS = "per-AU F1 (decision: value >= 0.5) and their unweighted mean; pooled primary, mean over folds beside"


@dataclass(frozen=True)
class AUSubmission:
    values: np.ndarray  # n x n_aus as given (0/1 or probabilities), aligned with the benchmark's ids
    sha256: str
    n_rows: int
    data: bytes = b""

    @property
    def y_pred(self) -> np.ndarray:
        return (self.values >= THRESHOLD).astype(np.int8)


def expected_au_format(bench: AUBenchmark) -> str:
    return (f"CSV with header: sample_id,{','.join(bench.aus)}[,fold]; one row per sample of "
            f"{bench.task}/{bench.protocol} ({len(bench.sample_ids)} rows); values 0/1 or probabilities in "
            f"[0, 1] (>= {THRESHOLD} counts as present)")


def parse_au_submission(source: str | os.PathLike | bytes, bench: AUBenchmark) -> AUSubmission:
    """Validate and align an AU prediction file; raises SubmissionError listing every problem."""
    n, aus = len(bench.sample_ids), list(bench.aus)
    data, name = read_bytes(source, size_limit(n) + 16 * n * len(aus))
    sha = hashlib.sha256(data).hexdigest()
    errors: list[Problem] = []

    def err(message, line=None, column=None, value=None):
        errors.append(Problem(CHECK, "error", message, name, line, column, value))

    if is_blank(data):
        raise SubmissionError([Problem(CHECK, "error", "file is empty", name)])
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError([Problem(CHECK, "error", "not UTF-8 text", name,
                                       data[:exc.start].count(b"\n") + 1)]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise SubmissionError([Problem(CHECK, "error", f"not a CSV file: {exc}", name, 1)]) from None
    for col in sorted(set(header)):
        if header.count(col) > 1:
            err(f"column {col!r} appears {header.count(col)} times", 1, col)
    for col in header:
        if col not in ["sample_id", "fold"] + aus:
            err(f"unexpected column {col!r}; allowed: sample_id, {', '.join(aus)}, fold (the AUs this benchmark "
                "keeps)", 1, col)
    for col in ["sample_id"] + aus:
        if col not in header:
            err(f"required column {col!r} is missing (header is {header})", 1)
    if errors:
        raise SubmissionError(errors)

    at = {c: i for i, c in enumerate(header)}
    index, fold_of = bench.index_of(), bench.folds.tolist()
    values = np.full((n, len(aus)), np.nan)
    rows = SampleRows(reader, len(header), at["sample_id"], index, f"{bench.task}/{bench.protocol}", err)
    try:
        for line, row, pos in rows:
            if "fold" in at and row[at["fold"]].strip() != fold_of[pos]:
                err(f"fold {row[at['fold']]!r} contradicts the fold map ({fold_of[pos]!r})", line, "fold")
            for j, au in enumerate(aus):
                cell = row[at[au]].strip()
                try:
                    v = float(cell)
                except ValueError:
                    err(f"{au} {cell!r} is not a number (0/1 or a probability)", line, au, cell)
                    continue
                if not math.isfinite(v) or not 0 <= v <= 1:
                    err(f"{au} {cell!r} is not in [0, 1]", line, au, cell)
                    continue
                values[pos, j] = v
    except csv.Error as exc:
        err(f"not a CSV file: {exc}", reader.line_num)
    rows.check_complete(bench.sample_ids.tolist())
    if errors:
        raise SubmissionError(errors)
    return AUSubmission(values, sha, rows.n_rows, data)


class AUEvaluator:
    """Scores AU predictions for one protocol of an AU benchmark folder (``cmedbench au splits``)."""

    def __init__(self, protocol: str = "loso", dataset: str | os.PathLike = "data/au_splits"):
        self.bench = load_au_benchmark(dataset, protocol)

    @property
    def expected_input_format(self) -> str:
        return expected_au_format(self.bench)

    def parse(self, predictions) -> AUSubmission:
        return parse_au_submission(predictions, self.bench)

    def eval(self, predictions) -> dict:
        return self.score(self.parse(predictions))

    def score(self, sub: AUSubmission) -> dict:
        b = self.bench
        return {"task": b.task, "protocol": b.protocol, "dataset_fingerprint": b.dataset_fingerprint,
                "fold_map_sha256": b.fold_map_sha256, "prediction_sha256": sub.sha256, "metrics": METRICS,
                **evaluate_au(b.y_true, sub.y_pred, b.folds, b.aus)}


def au_predictions_csv(sample_ids, folds, aus, values: np.ndarray) -> bytes:
    """A prediction file in the format above (what the AU baselines write)."""
    lines = [",".join(["sample_id", *aus, "fold"])]
    for sid, row, fold in zip(sample_ids, np.asarray(values).tolist(), folds):
        lines.append(",".join([str(sid), *(f"{v:.6g}" for v in row), str(fold)]))
    return ("\n".join(lines) + "\n").encode()
