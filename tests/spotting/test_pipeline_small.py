"""The whole interval path on a tiny gallery: raw recording -> long videos -> benchmark -> baselines ->
records on the ledger, re-read intact and shown on the board."""

import csv
import json

import pytest

from cmedbench.synth.synth_config import RawConfig


@pytest.fixture(scope="module")
def small_raw(tmp_path_factory):
    from cmedbench.synth.raw import synth_raw

    out = tmp_path_factory.mktemp("raw") / "raw"
    return synth_raw(out, RawConfig(recordings=1, seconds=20, grid=3, children=4, width=480, height=270, seed=3))


def test_long_release_to_ledger(small_raw, tmp_path):
    from cmedbench.bench.leaderboard import Leaderboard
    from cmedbench.spotting.baselines import run_spotting_baselines
    from cmedbench.spotting.benchmark import write_spotting_bench
    from cmedbench.spotting.collect import collect_intervals
    from cmedbench.spotting.synthetic import build_synthetic_long_release

    m = build_synthetic_long_release(small_raw, tmp_path / "release")
    assert m["n_participants"] == 4 and m["n_videos"] >= 4 and m["n_events"] > 0
    with open(tmp_path / "release" / "videos.csv") as fh:
        videos = list(csv.DictReader(fh))
    assert all((tmp_path / "release" / v["path"]).stat().st_size > 0 for v in videos)
    assert {(v["width"], v["height"]) for v in videos} == {("160", "90")}
    with open(tmp_path / "release" / "events.csv") as fh:
        events = list(csv.DictReader(fh))
    n_of = {v["video_id"]: int(v["n_frames"]) for v in videos}
    assert all(0 <= int(e["onset"]) <= int(e["offset"]) < n_of[e["video_id"]] for e in events)

    write_spotting_bench(tmp_path / "release", tmp_path / "bench")
    summary = run_spotting_baselines(tmp_path / "release", tmp_path / "bench", tmp_path / "results", n_plots=2)
    assert summary["no-intervals"]["me-spotting-long"]["pooled"]["f1"] == 0.0
    assert "strs" in summary["flow-spotter"]["spot-then-recognize"]
    assert "strs" in summary["roi-flow-spotter+lbptop-svm"]["spot-then-recognize"]
    meta = json.loads((tmp_path / "results" / "roi-flow-spotter" / "me-spotting-long" / "submission.json").read_text())
    assert set(meta["settings_per_fold"]) == {"sub_01", "sub_02", "sub_03", "sub_04"}
    assert len(list((tmp_path / "results" / "timelines").glob("*.png"))) == 2

    stored, already = collect_intervals(tmp_path / "results", tmp_path / "bench", tmp_path / "board",
                                        tmp_path / "records.tsv")
    assert len(stored) == 10 and already == 0
    again, already = collect_intervals(tmp_path / "results", tmp_path / "bench", tmp_path / "board")
    assert not again and already == 10
    state = Leaderboard(tmp_path / "board").state()
    assert state.intact and len(state.records) == 10
    board = (tmp_path / "board" / "LEADERBOARD.md").read_text()
    assert "spot-then-recognize" in board and "roi-flow-spotter" in board


def test_ledger_check_names_interval_records_and_rejected_files(tmp_path):
    from cmedbench.bench.leaderboard import CollectError, Leaderboard
    from cmedbench.spotting.collect import collect_intervals
    from cmedbench.spotting.benchmark import write_spotting_bench

    rel = tmp_path / "release"
    rel.mkdir()
    (rel / "videos.csv").write_text("video_id,participant,path,n_frames,fps,width,height,recording,start,x,y\n"
                                    "va,p1,videos/va.mp4,100,25.0,64,64,r,0,0,0\n"
                                    "vb,p2,videos/vb.mp4,50,25.0,64,64,r,0,0,0\n")
    (rel / "events.csv").write_text("video_id,onset,apex,offset,class,type\nva,10,14,19,happiness,me\n")
    write_spotting_bench(rel, tmp_path / "bench")
    folder = tmp_path / "results" / "mine" / "me-spotting-long"
    folder.mkdir(parents=True)
    meta = {"model": "mine", "description": "", "selection": "fixed-epochs", "seeds": [0],
            "task": "me-spotting-long", "protocol": "loso"}
    (folder / "submission.json").write_text(json.dumps(meta))
    (folder / "predictions.csv").write_text("video_id,onset,offset\nva,10,19\n")
    stored, _ = collect_intervals(tmp_path / "results", tmp_path / "bench", tmp_path / "board")
    assert stored[0]["result"]["pooled"]["f1"] == 1.0
    report = Leaderboard(tmp_path / "board").check([tmp_path / "bench"])
    assert [p.severity for p in report.problems] == ["warning"]
    assert "interval records" in report.problems[0].message
    from cmedbench.spotting.audit import check_interval_records

    assert check_interval_records(tmp_path / "board", [tmp_path / "bench"]) == (1, [])
    record = next((tmp_path / "board" / "records").glob("*.json"))
    forged = json.loads(record.read_text())
    forged["result"]["pooled"]["f1"] = 0.5
    record.write_text(json.dumps(forged))
    rescored, problems = check_interval_records(tmp_path / "board", [tmp_path / "bench"])
    assert rescored == 0  # an edited record no longer belongs to the chain: not shown, not re-scored
    (folder / "predictions.csv").write_text("video_id,onset,offset\nvz,10,19\n")
    with pytest.raises(CollectError, match="unknown video_id"):
        collect_intervals(tmp_path / "results", tmp_path / "bench", tmp_path / "board")


def test_same_model_new_predictions_are_stored_reformatted_ones_refused(tmp_path):
    from cmedbench.bench.leaderboard import AlreadySubmitted, Leaderboard, SubmissionInfo
    from cmedbench.spotting.benchmark import write_spotting_bench
    from cmedbench.spotting.evaluator import IntervalEvaluator

    rel = tmp_path / "release"
    rel.mkdir()
    (rel / "videos.csv").write_text("video_id,participant,path,n_frames,fps,width,height,recording,start,x,y\n"
                                    "va,p1,videos/va.mp4,100,25.0,64,64,r,0,0,0\n")
    (rel / "events.csv").write_text("video_id,onset,apex,offset,class,type\nva,10,14,19,happiness,me\n")
    write_spotting_bench(rel, tmp_path / "bench")
    ev = IntervalEvaluator("me-spotting-long", "loso", tmp_path / "bench")
    board = Leaderboard(tmp_path / "board")
    info = SubmissionInfo("mine", selection="fixed-epochs")
    board.submit(ev, b"video_id,onset,offset\nva,10,19\n", info)
    board.submit(ev, b"video_id,onset,offset\nva,11,19\n", info)  # same scores, other intervals: stored
    with pytest.raises(AlreadySubmitted):
        board.submit(ev, b"video_id,offset,onset\nva,19,11\n", info)  # the same intervals, columns swapped
    assert len(board.records()) == 2
