"""Leaderboard records: the hash-chained ledger, duplicates by content, concurrency, rendering, --check."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from cmedbench.bench.board import board_rows, render_markdown
from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.floors import floor_predictions, predictions_csv
from cmedbench.bench.leaderboard import (AlreadySubmitted, Leaderboard, LeaderboardError, LedgerDamaged,
                                         SubmissionInfo, make_record)
from cmedbench.bench.ledger import record_hash

CLI = [sys.executable, "-m", "cmedbench.cli"]


@pytest.fixture(scope="module")
def splits(tmp_path_factory, make_splits):
    return make_splits(tmp_path_factory.mktemp("b") / "splits")


@pytest.fixture(scope="module")
def ev(splits):
    return Evaluator("emotion-3", "loso", splits, n_boot=50)


def stratified_file(ev, seed):
    b = ev.bench
    pred = floor_predictions(b.y_true, b.folds, 3, "stratified", seed)
    return predictions_csv(b.sample_ids, b.folds, pred, b.task.labels)


def info(model="m", seeds=(0,), **kw):
    return SubmissionInfo(model, seeds=tuple(seeds), **kw)


@pytest.fixture
def board3(ev, tmp_path):
    """A ledger of three records (seeds 0, 1, 2 of one model)."""
    board = Leaderboard(tmp_path / "lb")
    for s in range(3):
        board.submit(ev, stratified_file(ev, s), info("rnd", [s], selection="fixed-epochs"))
    return board


def files(board):
    return sorted(board.records_dir.glob("*.json"))


def messages(board, splits=()):
    return [p.message for p in board.check(splits).errors]


def test_records_are_chained_and_keep_their_predictions(board3, splits):
    recs = board3.records()
    assert [r["seq"] for r in recs] == [0, 1, 2] and recs[0]["prev"] == "0" * 64
    assert recs[1]["prev"] == record_hash(recs[0]) and recs[2]["prev"] == record_hash(recs[1])
    assert [p.name for p in files(board3)] == [f"{r['seq']:06d}-{r['id']}.json" for r in recs]
    assert all(r["id"] == record_hash(r)[:16] for r in recs)
    assert len(list((board3.root / "predictions").glob("*.csv.gz"))) == 3
    report = board3.check([splits])
    assert report.problems == [] and report.rescored == 3 and report.head == record_hash(recs[2])
    md = (board3.root / "LEADERBOARD.md").read_text()
    assert f"Ledger: 3 records, head `{report.head}`" in md


@pytest.mark.parametrize("change", [
    lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"),                                       # BOM + CRLF
    lambda b: b"\n".join(b",".join(b'"' + c + b'"' for c in line.split(b",")) for line in b.splitlines()),  # quoted
    lambda b: b"\n".join([b.splitlines()[0]] + b.splitlines()[1:][::-1]) + b"\n",                # rows reversed
    lambda b: b.replace(b",fold", b",fold ").replace(b"\n", b"\n\n"),                             # spaces, blanks
])
def test_same_predictions_refused_however_formatted(ev, tmp_path, change):
    board = Leaderboard(tmp_path / "lb")
    data = stratified_file(ev, 7)
    first = board.submit(ev, data, info("rnd", [7]))
    with pytest.raises(AlreadySubmitted, match=first.record["id"]) as caught:
        board.submit(ev, change(data), info(" RND ", [8]))
    assert caught.value.record["id"] == first.record["id"] and len(board.records()) == 1


def test_same_predictions_of_another_model_are_another_record(ev, tmp_path):
    board = Leaderboard(tmp_path / "lb")
    data = stratified_file(ev, 3)
    board.submit(ev, data, info("model a"))
    board.submit(ev, data, info("model b"))
    assert [r["model"] for r in board.records()] == ["model a", "model b"]


def test_different_scores_are_different_predictions(ev, tmp_path):
    board = Leaderboard(tmp_path / "lb")
    lines = stratified_file(ev, 4).decode().splitlines()
    header = lines[0] + ",score_negative,score_positive,score_surprise"
    a = "\n".join([header] + [row + ",0.2,0.5,0.3" for row in lines[1:]]) + "\n"
    b = "\n".join([header] + [row + ",0.3,0.4,0.3" for row in lines[1:]]) + "\n"
    board.submit(ev, a.encode(), info())
    board.submit(ev, b.encode(), info())
    with pytest.raises(AlreadySubmitted):
        board.submit(ev, a.replace("0.2,", "0.20,").encode(), info())
    assert len(board.records()) == 2


def test_edited_record_is_named_and_forged_score_fails_rescoring(board3, splits):
    path = files(board3)[1]
    rec = json.loads(path.read_text())
    rec["result"]["pooled"]["uf1"] = 0.99
    path.write_text(json.dumps(rec))
    msgs = messages(board3)
    assert any("record 1: content does not match its id" in m for m in msgs), msgs
    # the forger recomputes the id (and renames the file): the next link and the re-score still fail
    rec["id"] = record_hash(rec)[:16]
    path.unlink()
    (board3.records_dir / f"000001-{rec['id']}.json").write_text(json.dumps(rec))
    report = board3.check([splits])
    msgs = [(p.file or "", p.message) for p in report.errors]
    assert any("record 2 does not follow record 1" in m for _, m in msgs), msgs
    assert any(f.startswith("000001-") and "re-scoring disagrees" in m and "pooled.uf1" in m for f, m in msgs), msgs


def test_forged_head_record_fails_against_head_and_rescoring(board3, splits):
    path = files(board3)[-1]
    rec = json.loads(path.read_text())
    rec["result"]["pooled"]["uar"] = 0.5
    rec["id"] = record_hash(rec)[:16]
    path.unlink()
    (board3.records_dir / f"000002-{rec['id']}.json").write_text(json.dumps(rec))
    msgs = messages(board3, [splits])
    assert any("does not hash to HEAD" in m for m in msgs) and any("re-scoring disagrees" in m for m in msgs), msgs


def test_deleted_records_are_detected(board3):
    middle, last = files(board3)[1], files(board3)[2]
    middle.unlink()
    assert any("record 1 is missing" in m for m in messages(board3))
    last.unlink()
    assert any("HEAD says 3 records, only 1 here: the last 2 records were removed" in m for m in messages(board3))


def test_reordered_and_inserted_records_are_detected(board3, ev):
    a, b = files(board3)[0], files(board3)[1]
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    ra["seq"], rb["seq"] = 1, 0  # swap positions
    a.write_text(json.dumps(ra))
    b.write_text(json.dumps(rb))
    msgs = messages(board3)
    assert any("content does not match its id" in m for m in msgs)
    other = Leaderboard(board3.root.parent / "other")
    other.submit(ev, stratified_file(ev, 30), info("x"))
    fresh = Leaderboard(board3.root.parent / "fresh")
    for s in range(3):
        fresh.submit(ev, stratified_file(ev, s), info("rnd", [s]))
    stray = files(other)[0]
    (fresh.records_dir / stray.name).write_bytes(stray.read_bytes())  # a record from another ledger, position 0
    msgs = messages(fresh)
    assert any("2 records claim position 0" in m for m in msgs), msgs


def test_published_head_shows_a_rewritten_chain(board3, ev):
    head = board3.check().head
    assert board3.check(published_head=head[:16]).errors == []
    board3.submit(ev, stratified_file(ev, 40), info("later"))
    assert board3.check(published_head=head).errors == []  # appending is fine
    rewritten = Leaderboard(board3.root.parent / "rewritten")
    for s in (0, 1, 9):
        rewritten.submit(ev, stratified_file(ev, s), info("rnd", [s]))
    assert any("not in this ledger" in p.message for p in rewritten.check(published_head=head).problems)


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(p.read_bytes()[:-40]),                                   # truncated
    lambda p: p.write_bytes(p.read_bytes().replace(b'"seq"', b'"se\xffq"')),          # one corrupt byte
    lambda p: p.write_text(json.dumps({k: v for k, v in json.loads(p.read_text()).items() if k != "model"})),
    lambda p: p.write_text("[1, 2]"),
    lambda p: p.write_text(json.dumps(dict(json.loads(p.read_text()), result={"pooled": "x"}))),
])
def test_damaged_record_is_named_board_renders_and_nothing_is_appended(board3, ev, damage):
    path = files(board3)[1]
    damage(path)
    state = board3.state()
    assert any(p.file == path.name for p in state.problems), state.problems
    assert len(state.records) == 2
    md = board3.render().read_text()
    assert "Damaged records" in md and path.name in md and "| 1 | rnd" in md
    with pytest.raises(LedgerDamaged, match=path.name):
        board3.submit(ev, stratified_file(ev, 50), info("new"))


def test_missing_or_edited_kept_predictions_are_problems(board3, splits):
    blobs = sorted((board3.root / "predictions").glob("*.csv.gz"))
    blobs[0].unlink()
    blobs[1].write_bytes(b"\x1f\x8b not gzip")
    msgs = messages(board3, [splits])
    assert any("are missing" in m for m in msgs) and any("not gzip" in m for m in msgs), msgs


@pytest.mark.parametrize("model,needle", [("a\nb", "newline"), ("", "empty"), ("x" * 81, "at most 80")])
def test_bad_model_names_refused(ev, model, needle):
    with pytest.raises(LeaderboardError, match=needle):
        make_record(ev.eval(stratified_file(ev, 2)), info(model))


def test_rendering_escapes_hostile_text(ev):
    rec = make_record(ev.eval(stratified_file(ev, 3)), SubmissionInfo(
        "<script>alert(1)</script>|x ![i](http://e/x.png)", "line1\nline2 | [c](javascript:alert(1)) `code` \u202etxt"))
    rec["id"] = "0" * 16
    md = render_markdown([rec])
    row = next(line for line in md.splitlines() if "alert" in line)
    assert "<script>" not in row and "&lt;script&gt;" in row and "\\|x" in row and "line1 line2" in row
    assert "![" not in row and "](" not in row.replace("\\](", "") and "`code`" not in row and "\u202e" not in row
    assert len([c for c in row.replace("\\|", "") if c == "|"]) == 10  # exactly the table's own separators


def test_replicate_seeds_show_mean_and_sd_but_repeats_do_not(ev):
    recs = [dict(make_record(ev.eval(stratified_file(ev, s)), info("rnd", [s])), id=f"{s:016x}") for s in (10, 11, 12)]
    rows = next(iter(board_rows(recs).values()))
    assert len(rows) == 1 and rows[0]["n_replicates"] == 3
    uf1 = [r["result"]["pooled"]["uf1"] for r in recs]
    assert rows[0]["uf1"] == pytest.approx(np.mean(uf1)) and rows[0]["uf1_sd"] == pytest.approx(np.std(uf1, ddof=1))
    assert " ± " in render_markdown(recs) and "3 seeds (10, 11, 12)" in render_markdown(recs)
    # two runs of one configuration (same model, same seed): one seed and its reproduction, never "2 seeds ± sd"
    again = [dict(make_record(ev.eval(stratified_file(ev, s)), info("rnd", [0])), id=f"{s:016x}", seq=i)
             for i, s in enumerate((20, 21))]
    rows = next(iter(board_rows(again).values()))
    assert [r["n_replicates"] for r in rows] == [1] and rows[0]["ids"] == [again[0]["id"]]
    assert rows[0]["uf1"] == again[0]["result"]["pooled"]["uf1"] and rows[0]["uf1_sd"] is None
    rep = rows[0]["reproductions"]
    drift = again[1]["result"]["pooled"]["uf1"] - again[0]["result"]["pooled"]["uf1"]
    assert len(rep) == 1 and rep[0]["id"] == again[1]["id"] and rep[0]["d_uf1"] == pytest.approx(drift)
    md = render_markdown(again)
    assert " ± " not in md.split("## ")[1] and md.count("seed 0: ") == 1
    assert f"reproduced by {again[1]['id'][:8]}, drift UF1 {drift:+.4f}" in md
    # the same predictions submitted again under the same seed read as an exact reproduction
    same = [again[0], dict(again[0], id="f" * 16, seq=5)]
    assert "(same predictions)" in render_markdown(same)
    # seeds 0, 1 and a re-run of seed 1: two seeds ± sd and one reproduction
    mixed = [dict(make_record(ev.eval(stratified_file(ev, s)), info("rnd", [k])), id=f"{s:016x}", seq=i)
             for i, (s, k) in enumerate(((30, 0), (31, 1), (32, 1)))]
    rows = next(iter(board_rows(mixed).values()))
    assert len(rows) == 1 and rows[0]["n_replicates"] == 2 and rows[0]["n_reproductions"] == 1
    unseeded = [dict(make_record(ev.eval(stratified_file(ev, s)), info("rnd", [])), id=f"{s:016x}") for s in (22, 23)]
    assert [r["n_replicates"] for r in next(iter(board_rows(unseeded).values()))] == [1, 1]


def test_reported_rows_shown_distinctly():
    md = render_markdown([])
    assert "Reported in the CMED paper" in md and "| VGG-16 | emotion-3 | 0.5882 | 0.5782 | 0.8913 |" in md


def test_collect_keeps_predictions_of_records_that_lack_them(ev, splits, tmp_path):
    results = tmp_path / "results" / "rnd" / "emotion-3"
    results.mkdir(parents=True)
    (results / "predictions.csv").write_bytes(stratified_file(ev, 60))
    (results / "submission.json").write_text(json.dumps({"model": "rnd", "description": "", "selection":
                                                         "fixed-epochs", "seeds": [0], "task": "emotion-3",
                                                         "protocol": "loso"}))
    board = Leaderboard(tmp_path / "lb")
    first = board.collect(tmp_path / "results", splits)
    assert len(first.stored) == 1 and first.already == 0
    for blob in (board.root / "predictions").glob("*"):
        blob.unlink()  # as on a board migrated from before the ledger
    again = board.collect(tmp_path / "results", splits)
    assert (len(again.stored), again.already, again.restored) == (0, 1, 1)
    assert board.check([splits]).problems == []


def test_twenty_concurrent_submits_lose_nothing(ev, splits, tmp_path):
    files_ = []
    for s in range(20):
        f = tmp_path / f"p{s}.csv"
        f.write_bytes(stratified_file(ev, 100 + s))
        files_.append(f)
    board = tmp_path / "lb"

    def submit(i):
        return subprocess.run(CLI + ["submit", str(files_[i]), "--task", "emotion-3", "--model", f"m{i}",
                                     "--splits", str(splits), "--leaderboard", str(board)],
                              capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(submit, range(20)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results if r.returncode]
    lb = Leaderboard(board)
    assert len(lb.records()) == 20 and lb.check([splits]).problems == []
    assert sorted(r["seq"] for r in lb.records()) == list(range(20))
    md = (board / "LEADERBOARD.md").read_text()
    assert all(f"| m{i} " in md for i in range(20))
    assert not list(board.rglob("*.tmp"))
