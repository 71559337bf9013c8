"""Speed of `cmedbench leaderboard --check` on a 1,000-record ledger, next to a plain JSON load of the
same record files.

Run: .venv/bin/python benchmarks/bench_ledger.py [--records 1000]
Builds a CMED-size benchmark folder (74 subjects, 10,924 samples) and a ledger of distinct records
spread over its three tasks (seeded stratified predictions, each scored, kept and chained as
`submit` does), then times: the plain JSON load of every record file; reading and verifying the
chain (what `leaderboard` does before printing); the full check in process (chain, HEAD, kept
predictions unpacked and re-scored against the answer key, board rebuilt); and the whole command.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cmedbench.synth.benchmark import metadata_benchmark as make_splits

TASKS = ("me-spotting", "emotion-6", "emotion-3")


def build_ledger(root: Path, splits: Path, n: int) -> None:
    from cmedbench.bench.evaluator import Evaluator
    from cmedbench.bench.floors import floor_predictions, predictions_csv
    from cmedbench.bench.leaderboard import SubmissionInfo, make_record
    from cmedbench.bench.ledger import Stored, record_hash, store_blob, write_record

    evaluators = {t: Evaluator(t, "loso", splits) for t in TASKS}
    previous = None
    for i in range(n):
        ev = evaluators[TASKS[i % len(TASKS)]]
        b = ev.bench
        data = predictions_csv(b.sample_ids, b.folds, floor_predictions(b.y_true, b.folds, len(b.task.labels),
                                                                        "stratified", i), b.task.labels)
        sub = ev.parse(data)
        body = make_record(ev.score(sub), SubmissionInfo(f"model {i % 37}", seeds=(i,), selection="fixed-epochs"))
        store_blob(root, sub.data)
        record, path = write_record(root, body, previous, i)
        previous = Stored(record, path.name, record_hash(record))
        if (i + 1) % 100 == 0:
            print(f"  built {i + 1} records", file=sys.stderr)


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="Records in the ledger.")
    args = parser.parse_args()
    from cmedbench.bench.leaderboard import Leaderboard
    from cmedbench.bench.ledger import read_state

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        splits = make_splits(d / "splits", subjects=74, scale=1.0)
        board = Leaderboard(d / "lb")
        t0 = time.perf_counter()
        build_ledger(board.root, splits, args.records)
        print(f"  built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        files = sorted(board.records_dir.glob("*.json"))

        plain = timed(lambda: [json.loads(p.read_bytes()) for p in files])
        chain = timed(lambda: read_state(board.root))
        report = board.check([splits])
        assert report.errors == [] and report.rescored == args.records, report.problems[:3]
        full = timed(lambda: board.check([splits]), repeat=1)
        cmd = [sys.executable, "-m", "cmedbench.cli", "leaderboard", "--check", "--format", "json", "--splits",
               str(splits), "--leaderboard", str(board.root)]
        whole = timed(lambda: subprocess.run(cmd, check=True, capture_output=True), repeat=1)
        size = sum(p.stat().st_size for p in files) / 1e6
        kept = sum(p.stat().st_size for p in (board.root / "predictions").glob("*")) / 1e6
    n = args.records
    print(f"{n} records ({size:.0f} MB of JSON, {kept:.0f} MB of kept predictions), CMED-size benchmark "
          f"(10,924 samples), best wall time")
    print(f"plain JSON load of the record files:        {plain:6.2f} s")
    print(f"read + verify the chain and HEAD:           {chain:6.2f} s   ({chain / plain:4.1f}x the plain load)")
    print(f"--check in process (re-scores every record): {full:6.2f} s   ({full / plain:4.1f}x the plain load, "
          f"{full / n * 1000:.0f} ms per record)")
    print(f"cmedbench leaderboard --check (whole process): {whole:6.2f} s")


if __name__ == "__main__":
    main()
