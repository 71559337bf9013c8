"""The interval submission parser: every problem at once, by line; ids, order, bounds and overlaps checked."""

import pytest

from cmedbench.bench.submission import SubmissionError
from cmedbench.spotting.benchmark import load_spotting_bench
from cmedbench.spotting.evaluator import IntervalEvaluator
from cmedbench.spotting.submission import parse_intervals


@pytest.fixture()
def bench_dir(tmp_path):
    from cmedbench.spotting.benchmark import write_spotting_bench

    rel = tmp_path / "release"
    rel.mkdir()
    (rel / "videos.csv").write_text(
        "video_id,participant,path,n_frames,fps,width,height,recording,start,x,y\n"
        "va,p1,videos/va.mp4,100,25.0,64,64,r,0,0,0\n"
        "vb,p2,videos/vb.mp4,50,25.0,64,64,r,0,0,0\n"
        "vc,p3,videos/vc.mp4,80,25.0,64,64,r,0,0,0\n")
    (rel / "events.csv").write_text(
        "video_id,onset,apex,offset,class,type\n"
        "va,10,14,19,happiness,me\nva,40,45,49,anger,me\nvb,0,4,9,surprise,me\nvc,20,30,60,happiness,macro\n")
    write_spotting_bench(rel, tmp_path / "bench")
    return tmp_path / "bench"


def test_every_problem_reported_at_once(bench_dir):
    b = load_spotting_bench(bench_dir, "spot-then-recognize")
    data = (b"video_id,onset,offset,label\n"
            b"va,5,3,positive\n"        # onset after offset
            b"nope,1,2,positive\n"      # unknown video
            b"vb,1,50,positive\n"       # outside the video (50 frames: 0-49)
            b"va,x,9,positive\n"        # not a whole number
            b"va,10,20,happy\n"         # not a label of the task
            b"va,30,40,negative\n"
            b"va,35,45,negative\n")     # overlaps the row before
    with pytest.raises(SubmissionError) as err:
        parse_intervals(data, b)
    found = {(p.line, p.column) for p in err.value.problems}
    assert found == {(2, "onset"), (3, "video_id"), (4, "offset"), (5, "onset"), (6, "label"), (8, "onset")}


def test_missing_columns_and_label_rules(bench_dir):
    b = load_spotting_bench(bench_dir, "spot-then-recognize")
    with pytest.raises(SubmissionError) as err:
        parse_intervals(b"video_id,onset,offset\nva,1,2\n", b)
    assert "label" in err.value.problems[0].message
    long = load_spotting_bench(bench_dir, "me-spotting-long")
    sub = parse_intervals(b"video_id,onset,offset,label\nva,1,2,whatever\n", long)
    assert sub.n_rows == 1 and sub.warnings and sub.spots["label"] is None


def test_empty_submission_is_valid_and_scores_zero(bench_dir):
    ev = IntervalEvaluator("me-spotting-long", "loso", bench_dir)
    result = ev.eval(b"video_id,onset,offset\n")
    assert result["pooled"]["f1"] == 0.0 and result["pooled"]["n_truths"] == 4
    with pytest.raises(SubmissionError):
        ev.eval(b"")


def test_intervals_in_different_videos_never_overlap(bench_dir):
    b = load_spotting_bench(bench_dir, "me-spotting-long")
    sub = parse_intervals(b"video_id,onset,offset\nva,0,90\nvb,0,10\nvc,0,10\nva,91,99\n", b)
    assert sub.n_rows == 4


def test_perfect_submission_scores_one_and_row_order_does_not_matter(bench_dir):
    ev = IntervalEvaluator("spot-then-recognize", "loso", bench_dir)
    rows = ["va,10,19,positive", "va,40,49,negative", "vb,0,9,surprise", "vc,20,60,positive"]
    a = ev.parse(("video_id,onset,offset,label\n" + "\n".join(rows) + "\n").encode())
    b = ev.parse(("video_id,onset,offset,label\n" + "\n".join(reversed(rows)) + "\n").encode())
    assert a.same_predictions(b)
    r = ev.score(a)
    assert r["pooled"]["f1"] == 1.0 and r["strs"] == 1.0 and r["analysis"]["f1"] == 1.0
    assert r["me"]["tp"] == 3 and r["macro"]["tp"] == 1
    assert set(r["per_fold"]) == {"p1", "p2", "p3"}


def test_edited_fold_map_is_refused(bench_dir):
    from cmedbench.spotting.benchmark import SpottingBenchError

    path = bench_dir / "folds" / "me-spotting-long" / "loso.csv"
    path.write_text(path.read_text().replace("p1", "p9"))
    with pytest.raises(SpottingBenchError, match="does not match the hash"):
        load_spotting_bench(bench_dir, "me-spotting-long")
