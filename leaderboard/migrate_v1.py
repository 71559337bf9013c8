"""One-off migration, run once and committed with its result: the v1 board (content-addressed records,
no chain, no kept predictions) becomes the v2 ledger (docs/benchmark.md).

Every v1 record keeps every field and its submission time; it gains ``record_format`` v2, its position
``seq``, the hash of its predecessor ``prev``, a new ``id`` and ``migrated_from`` (its v1 id). Order:
submission time, then model and task. v1 did not keep prediction files: ``cmedbench collect`` on the
same files (the pipeline's leaderboard stage after ``make run``) keeps them, and from then on
``leaderboard --check`` re-scores these records too.

Run from the repository root: ``.venv/bin/python leaderboard/migrate_v1.py leaderboard``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cmedbench.atomic import staged_dir
from cmedbench.bench.leaderboard import Leaderboard
from cmedbench.bench.ledger import GENESIS, RECORD_FORMAT, record_file_name, record_hash, write_head


def migrate(root: Path) -> int:
    board = Leaderboard(root)
    with board._lock():
        old = [json.loads(p.read_text("utf-8")) for p in sorted(board.records_dir.glob("*.json"))]
        if not old or any(r.get("record_format") != "cmedbench-record-v1" for r in old):
            raise SystemExit(f"{board.records_dir}: not a v1 board; nothing to migrate")
        old.sort(key=lambda r: (r["submitted"], r["model"].casefold(), r["task"], r["protocol"], r["id"]))
        prev = GENESIS
        with staged_dir(board.records_dir, force=True) as tmp:
            for seq, v1 in enumerate(old):
                record = {k: v for k, v in v1.items() if k not in ("id", "record_format")}
                record.update(record_format=RECORD_FORMAT, seq=seq, prev=prev, migrated_from=v1["id"])
                prev = record_hash(record)
                record["id"] = prev[:16]
                (tmp / record_file_name(record)).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        write_head(root, len(old), prev)
    board.render()
    return len(old)


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "leaderboard")
    print(f"migrated {migrate(root)} records of {root} to {RECORD_FORMAT}")
