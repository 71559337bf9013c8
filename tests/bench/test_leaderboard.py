"""Leaderboard records: immutability, concurrency, escaping, replicate seeds, --check."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.floors import floor_predictions, predictions_csv
from cmedbench.bench.leaderboard import (Leaderboard, LeaderboardError, board_rows, csv_safe, make_record,
                                         md_escape, render_markdown)
from helpers import make_splits

CLI = [sys.executable, "-m", "cmedbench.cli"]


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    return make_splits(tmp_path_factory.mktemp("b") / "splits")


@pytest.fixture(scope="module")
def ev(splits):
    return Evaluator("emotion-3", "loso", splits, n_boot=50)


def stratified_file(ev, seed):
    b = ev.bench
    pred = floor_predictions(b.y_true, b.folds, 3, "stratified", seed)
    return predictions_csv(b.sample_ids, b.folds, pred, b.task.labels)


def test_record_is_content_addressed_and_identical_file_refused(ev, tmp_path):
    board = Leaderboard(tmp_path / "lb")
    data = stratified_file(ev, 0)
    rec = make_record(ev.eval(data), "m", "d", "fixed-epochs", [0])
    path = board.add(rec)
    assert path.name == rec["id"] + ".json"
    stored = json.loads(path.read_text())
    assert stored["result"]["pooled"] == rec["result"]["pooled"] and stored["selection"] == "fixed-epochs"
    with pytest.raises(LeaderboardError, match="already submitted"):
        board.add(make_record(ev.eval(data), "other name"))
    assert len(board.records()) == 1
    assert board.check() == []


def test_check_detects_tampering(ev, tmp_path):
    board = Leaderboard(tmp_path / "lb")
    path = board.add(make_record(ev.eval(stratified_file(ev, 1)), "m"))
    rec = json.loads(path.read_text())
    rec["result"]["pooled"]["uf1"] = 0.99
    path.write_text(json.dumps(rec))
    assert any("does not match its id" in p for p in board.check())


@pytest.mark.parametrize("model,needle", [("a\nb", "newline"), ("", "empty"), ("x" * 81, "at most 80")])
def test_bad_model_names_refused(ev, model, needle):
    with pytest.raises(LeaderboardError, match=needle):
        make_record(ev.eval(stratified_file(ev, 2)), model)


def test_rendering_escapes_hostile_text(ev):
    rec = make_record(ev.eval(stratified_file(ev, 3)), "<script>alert(1)</script>|x",
                      "line1\nline2 | =HYPERLINK(\"http://x\") `code`")
    md = render_markdown([rec])
    assert "<script>" not in md and "&lt;script&gt;" in md
    row = next(line for line in md.splitlines() if "alert" in line)
    assert row.count(" | ") + row.count("| ") >= 1 and "\\|x" in row and "line1 line2" in row
    assert len([c for c in row.replace("\\|", "") if c == "|"]) == 10  # exactly the table's own separators
    assert md_escape("a|b\nc") == "a\\|b c"
    assert csv_safe("=SUM(A1)") == "'=SUM(A1)" and csv_safe("+1") == "'+1" and csv_safe("ok") == "ok"


def test_replicate_seeds_show_mean_and_sd(ev):
    recs = [make_record(ev.eval(stratified_file(ev, s)), "rnd", seeds=[s]) for s in (10, 11, 12)]
    rows = next(iter(board_rows(recs).values()))
    assert len(rows) == 1 and rows[0]["n_replicates"] == 3
    uf1 = [r["result"]["pooled"]["uf1"] for r in recs]
    assert rows[0]["uf1"] == pytest.approx(np.mean(uf1)) and rows[0]["uf1_sd"] == pytest.approx(np.std(uf1, ddof=1))
    assert " ± " in render_markdown(recs)


def test_reported_rows_shown_distinctly():
    md = render_markdown([])
    assert "Reported in the CMED paper" in md and "| VGG-16 | emotion-3 | 0.5882 | 0.5782 | 0.8913 |" in md


def test_twenty_concurrent_submits_lose_nothing(ev, splits, tmp_path):
    files = []
    for s in range(20):
        f = tmp_path / f"p{s}.csv"
        f.write_bytes(stratified_file(ev, 100 + s))
        files.append(f)
    board = tmp_path / "lb"

    def submit(i):
        return subprocess.run(CLI + ["submit", str(files[i]), "--task", "emotion-3", "--model", f"m{i}",
                                     "--splits", str(splits), "--leaderboard", str(board)],
                              capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(submit, range(20)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results if r.returncode]
    lb = Leaderboard(board)
    assert len(lb.records()) == 20 and lb.check() == []
    md = (board / "LEADERBOARD.md").read_text()
    assert all(f"| m{i} " in md for i in range(20))
    assert not list(board.rglob("*.tmp"))
