"""The benchmark workflow as a user runs it: splits -> floor -> score -> submit -> leaderboard -> compare."""

import json
import os
import subprocess
import sys
import time

import pytest

CLI = [sys.executable, "-m", "cmedbench.cli"]


def cli(*args, cwd):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("work")
    args = ["--subjects", "12", "--scale", "0.02", "--max-emotion-frames", "8", "--max-no-me-frames", "10"]
    assert cli("synth", "release", "rel", *args, cwd=d).returncode == 0
    assert cli("validate", "rel", "--quiet", "--samples", "data/index/samples.csv", cwd=d).returncode == 0
    r = cli("splits", cwd=d)
    assert r.returncode == 0, r.stderr
    return d


def test_workflow(work, tree_hash):
    r = cli("floor", "--task", "emotion-3", "--kind", "majority", "--out", "maj.csv", "--submit", cwd=work)
    assert r.returncode == 0, r.stderr
    r = cli("floor", "--task", "emotion-3", "--kind", "stratified", "--out", "strat.csv", cwd=work)
    assert r.returncode == 0, r.stderr

    before = tree_hash(work)
    r = cli("score", "strat.csv", "--task", "emotion-3", "--json", cwd=work)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert set(result) >= {"pooled", "mean_over_folds", "ci95", "per_class", "confusion", "worst_subject"}
    assert tree_hash(work) == before  # score is a dry run

    r = cli("submit", "strat.csv", "--task", "emotion-3", "--model", "random guesser", "--selection",
            "fixed-epochs", "--seeds", "0", cwd=work)
    assert r.returncode == 0, r.stderr
    records = sorted((work / "leaderboard" / "records").glob("*.json"))
    assert len(records) == 2
    ids = [p.stem.split("-")[1] for p in records]  # <position>-<id>.json

    r = cli("leaderboard", "--format", "json", cwd=work)
    board = json.loads(r.stdout)
    assert sorted(row["model"] for row in board) == ["floor: majority", "random guesser"]
    assert [row["rank"] for row in board] == [1, 2] and board[0]["uf1"] >= board[1]["uf1"]
    r = cli("leaderboard", "--format", "csv", "--task", "emotion-3", cwd=work)
    assert r.stdout.splitlines()[0].startswith("dataset_fingerprint,task,protocol,rank,model")
    r = cli("leaderboard", "--check", cwd=work)
    assert r.returncode == 0 and "0 problems" in r.stderr

    r = cli("compare", ids[0][:6], ids[1][:6], "--permutations", "500", cwd=work)
    assert r.returncode == 0, r.stderr
    assert "UF1 pooled" in r.stdout and "paired permutation" in r.stdout


def test_rejected_submission_stores_nothing(work, tree_hash):
    (work / "bad.csv").write_text("sample_id,prediction\nnope,positive\n")
    before = tree_hash(work)
    r = cli("submit", "bad.csv", "--task", "emotion-3", "--model", "x", cwd=work)
    assert r.returncode == 1 and "nothing was stored" in r.stderr and "Traceback" not in r.stderr
    assert tree_hash(work) == before


@pytest.mark.parametrize("args", [
    ["score", "x.csv", "--task", "emotion-9"],
    ["score", "x.csv", "--task", "emotion-3", "--protocol", "holdout"],
    ["score", "x.csv", "--task", "emotion-3", "--splits", "nowhere"],
    ["submit", "x.csv", "--task", "emotion-3"],
])
def test_usage_errors(work, args):
    r = cli(*args, cwd=work)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_splits_refuses_an_invalid_or_metadata_only_table(work, tmp_path):
    (tmp_path / "samples.csv").write_text((work / "data/index/samples.csv").read_text().replace("no-me", "joy", 1))
    r = cli("splits", "--samples", "samples.csv", cwd=tmp_path)
    assert r.returncode == 1 and "not a known label" in r.stderr and "Traceback" not in r.stderr
    assert cli("validate", work / "rel", "--metadata-only", "--quiet", "--samples", "meta.csv", cwd=tmp_path).returncode == 0
    r = cli("splits", "--samples", "meta.csv", cwd=tmp_path)
    assert r.returncode == 1 and "without --metadata-only" in r.stderr
    assert not (tmp_path / "data").exists()


def test_terminal_board_is_a_table_markdown_on_request_and_reformatted_files_refused(work, tmp_path):
    board, strat = tmp_path / "lb", tmp_path / "strat.csv"
    r = cli("floor", "--task", "emotion-3", "--kind", "stratified", "--out", strat, "--submit", "--leaderboard", board,
            cwd=work)
    assert r.returncode == 0, r.stderr
    r = cli("leaderboard", "--leaderboard", board, cwd=work)
    assert r.returncode == 0 and "┃ model" in r.stdout and "<br>" not in r.stdout
    assert "Ledger: 1 record, head " in r.stdout
    r = cli("leaderboard", "--format", "md", "--leaderboard", board, cwd=work)
    assert r.stdout.startswith("# cmedbench leaderboard") and "| # | model |" in r.stdout
    (tmp_path / "crlf.csv").write_bytes(b"\xef\xbb\xbf" + strat.read_bytes().replace(b"\n", b"\r\n"))
    r = cli("submit", tmp_path / "crlf.csv", "--task", "emotion-3", "--model", "floor: stratified (seed 0)",
            "--leaderboard", board, cwd=work)
    assert r.returncode == 1 and "already on the board" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("make", ["bom", "blank", "devzero", "fifo"])
def test_hostile_prediction_files_are_refused_quickly(work, tmp_path, make):
    path = tmp_path / "p.csv"
    if make == "bom":
        path.write_bytes(b"\xef\xbb\xbf")
    elif make == "blank":
        path.write_bytes(b"\xef\xbb\xbf  \n\t\r\n ")
    elif make == "devzero":
        path = "/dev/zero"
    else:
        os.mkfifo(path)
    t0 = time.monotonic()
    r = cli("score", path, "--task", "emotion-3", cwd=work)
    assert time.monotonic() - t0 < 30
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert ("empty" if make in ("bom", "blank", "fifo") else "at most") in r.stderr


def test_damaged_ledger_is_named_never_a_traceback(work, tmp_path):
    board = tmp_path / "lb"
    for kind in ("majority", "stratified"):
        r = cli("floor", "--task", "emotion-3", "--kind", kind, "--out", tmp_path / f"{kind}.csv", "--submit",
                "--leaderboard", board, cwd=work)
        assert r.returncode == 0, r.stderr
    victim = sorted((board / "records").glob("*.json"))[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] = ord("\x07")
    victim.write_bytes(bytes(data))
    results = tmp_path / "results" / "z" / "emotion-3"
    results.mkdir(parents=True)
    (results / "predictions.csv").write_bytes((tmp_path / "majority.csv").read_bytes())
    (results / "submission.json").write_text(json.dumps({"model": "z", "description": "", "selection": "fixed-epochs",
                                                         "seeds": [0], "task": "emotion-3", "protocol": "loso"}))
    for args in (["leaderboard", "--check"], ["leaderboard"], ["collect", tmp_path / "results"],
                 ["submit", tmp_path / "majority.csv", "--task", "emotion-3", "--model", "z"]):
        r = cli(*args, "--leaderboard", board, cwd=work)
        assert r.returncode == 1 and "Traceback" not in r.stderr, (args, r.stderr)
        assert victim.name in r.stderr, (args, r.stderr)
    r = cli("leaderboard", "--format", "md", "--leaderboard", board, cwd=work)
    assert "floor: stratified" in r.stdout  # the sound record still shows


def test_collect_reports_what_is_already_there(work, tmp_path):
    results = tmp_path / "results" / "floor" / "emotion-3"
    results.mkdir(parents=True)
    r = cli("floor", "--task", "emotion-3", "--kind", "majority", "--out", tmp_path / "maj.csv", "--submit",
            "--leaderboard", tmp_path / "lb", cwd=work)
    assert r.returncode == 0, r.stderr
    (results / "predictions.csv").write_bytes((tmp_path / "maj.csv").read_bytes())
    (results / "submission.json").write_text(json.dumps({
        "model": "floor: majority", "description": "always the training folds' majority class",
        "selection": "fixed-epochs", "seeds": [0], "task": "emotion-3", "protocol": "loso", "kind": "floor"}))
    r = cli("collect", tmp_path / "results", "--leaderboard", tmp_path / "lb", cwd=work)
    assert r.returncode == 0 and "0 new records, 1 already on the board" in r.stdout, r.stderr
    (results / "submission.json").write_text("{not json")
    r = cli("collect", tmp_path / "results", "--leaderboard", tmp_path / "lb", cwd=work)
    assert r.returncode == 1 and "submission.json" in r.stderr and "Traceback" not in r.stderr
