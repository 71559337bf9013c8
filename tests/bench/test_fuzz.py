"""Fuzzing the three readers of other people's files: the metadata reader (with the schema), the
prediction-file parser and the leaderboard record loader. Random bytes and random mutations of valid
files (truncation, other encodings, swapped columns, injected quotes and line breaks, flipped bytes,
removed or retyped JSON fields) must end in a located problem, never in an exception; through the
command line they end in exit status 1 or 2 with a message, never a traceback."""

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmedbench.bench.board import render_markdown
from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.floors import floor_predictions, predictions_csv
from cmedbench.bench.leaderboard import Leaderboard, SubmissionInfo
from cmedbench.bench.ledger import read_state
from cmedbench.bench.submission import SubmissionError
from cmedbench.release.profiles import load_profile
from cmedbench.release.validate import validate_release

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
INJECT = [b'"', b'""', b"\n", b"\r", b"\r\n", b",", b";", b"\x00", b"\xef\xbb\xbf", b"\\", b"\xff", b"\t"]
METADATA = (b"subject,filename,emotion,apex_frame\nSubject_01,a.mp4,Happy,2\nSubject_01,b.mp4,No_Emotion,\n"
            b"Subject_02,c.mp4,Anger,1\nSubject_02,d.mp4,No_Emotion,\nSubject_03,e.mp4,Surprise,3\n")


def mutations(valid: bytes, separator: bytes = b","):
    lines = valid.splitlines()

    def swap(perm):
        return b"\n".join(separator.join(line.split(separator)[i] for i in perm if i < len(line.split(separator)))
                          for line in lines) + b"\n"

    def insert(at_what):
        at, what = at_what
        return valid[:at] + what + valid[at:]

    def flip(at_byte):
        at, byte = at_byte
        return valid[:at] + bytes([byte]) + valid[at + 1:]

    n_cols = len(lines[0].split(separator))
    return st.one_of(
        st.binary(max_size=3000),
        st.integers(0, len(valid)).map(lambda n: valid[:n]),
        st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252", "utf-8-sig"]).map(
            lambda enc: valid.decode("utf-8").encode(enc, "replace")),
        st.permutations(range(n_cols)).map(swap),
        st.tuples(st.integers(0, len(valid)), st.sampled_from(INJECT)).map(insert),
        st.lists(st.tuples(st.integers(0, len(valid)), st.sampled_from(INJECT)), min_size=2, max_size=8).map(
            lambda edits: _apply(valid, edits)),
        st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)).map(flip),
    )


def _apply(valid: bytes, edits) -> bytes:
    for at, what in sorted(edits, reverse=True):
        valid = valid[:at] + what + valid[at:]
    return valid


@pytest.fixture(scope="module")
def ev(tmp_path_factory, make_splits):
    return Evaluator("emotion-3", "loso", make_splits(tmp_path_factory.mktemp("f") / "splits"), n_boot=20)


@pytest.fixture(scope="module")
def valid_predictions(ev):
    b = ev.bench
    return predictions_csv(b.sample_ids, b.folds, floor_predictions(b.y_true, b.folds, 3, "stratified", 0),
                           b.task.labels)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return tmp_path_factory.mktemp("rel")


def test_metadata_reader_never_raises(release):
    @FUZZ
    @given(mutations(METADATA))
    def run(data):
        (release / "video_emotion_metadata.csv").write_bytes(data)
        result = validate_release(release, load_profile("none"), metadata_only=True)
        assert result.report.valid or result.report.errors
        assert all(p.message for p in result.report.problems)

    run()


def test_submission_parser_never_raises(ev, valid_predictions):
    @FUZZ
    @given(mutations(valid_predictions))
    def run(data):
        try:
            ev.eval(data)
        except SubmissionError as exc:
            assert exc.problems and all(p.message for p in exc.problems)

    run()


def record_mutations(record: dict):
    keys = sorted(record)
    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                               lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                           max_size=3), max_leaves=8)
    as_bytes = (json.dumps(record, indent=1, sort_keys=True) + "\n").encode()
    return st.one_of(
        mutations(as_bytes),
        st.sampled_from(keys).map(lambda k: json.dumps({x: v for x, v in record.items() if x != k}).encode()),
        st.tuples(st.sampled_from(keys), json_values).map(
            lambda kv: json.dumps(dict(record, **{kv[0]: kv[1]})).encode()),
        st.tuples(st.sampled_from(sorted(record["result"])), json_values).map(
            lambda kv: json.dumps(dict(record, result=dict(record["result"], **{kv[0]: kv[1]}))).encode()),
        st.just(b"[" * 100000 + b"]" * 100000),
    )


def test_record_loader_never_raises(ev, valid_predictions, tmp_path_factory):
    board = Leaderboard(tmp_path_factory.mktemp("lb") / "lb")
    board.submit(ev, valid_predictions, SubmissionInfo("m", seeds=(0,)))
    path = next(board.records_dir.glob("*.json"))
    record = json.loads(path.read_text())

    @FUZZ
    @given(record_mutations(record))
    def run(data):
        path.write_bytes(data)
        state = read_state(board.root)
        assert len(state.records) == 1 or any(p.file == path.name for p in state.problems)
        render_markdown([s.record for s in state.records], state.length, state.head, state.problems)

    run()


CLI = [sys.executable, "-m", "cmedbench.cli"]
SMALL = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_command_line_exits_1_or_2_with_a_message(ev, valid_predictions, tmp_path_factory):
    work = tmp_path_factory.mktemp("cli")
    board = Leaderboard(work / "lb")
    board.submit(ev, valid_predictions, SubmissionInfo("m", seeds=(0,)))
    record = next(board.records_dir.glob("*.json"))
    pristine = record.read_bytes()

    @SMALL
    @given(mutations(valid_predictions), record_mutations(json.loads(pristine)))
    def run(predictions, damaged):
        (work / "p.csv").write_bytes(predictions)
        r = subprocess.run(CLI + ["score", "p.csv", "--task", "emotion-3", "--splits", ev.bench.root, "--bootstrap",
                                  "10"], cwd=work, capture_output=True, text=True, timeout=120)
        assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
        assert r.returncode == 0 or "problem" in r.stderr
        record.write_bytes(damaged)
        r = subprocess.run(CLI + ["leaderboard", "--check", "--leaderboard", "lb", "--splits", ev.bench.root],
                           cwd=work, capture_output=True, text=True, timeout=120)
        assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
        assert r.returncode == 0 or record.name in r.stderr
        record.write_bytes(pristine)

    run()
