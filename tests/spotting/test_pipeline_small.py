"""The whole interval path on a tiny gallery: raw recording -> long videos -> benchmark -> baselines ->
records on the ledger, re-read intact and shown on the board."""

import csv

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
    assert len(list((tmp_path / "results" / "timelines").glob("*.png"))) == 2

    stored, already = collect_intervals(tmp_path / "results", tmp_path / "bench", tmp_path / "board",
                                        tmp_path / "records.tsv")
    assert len(stored) == 7 and already == 0
    again, already = collect_intervals(tmp_path / "results", tmp_path / "bench", tmp_path / "board")
    assert not again and already == 7
    state = Leaderboard(tmp_path / "board").state()
    assert state.intact and len(state.records) == 7
    board = (tmp_path / "board" / "LEADERBOARD.md").read_text()
    assert "spot-then-recognize" in board and "flow-spotter" in board
