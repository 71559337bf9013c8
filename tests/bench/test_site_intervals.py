"""Interval records (long-video spotting, Spot-then-Recognize) on the HTML site: their boards beside the
clip boards, a page per record with P, R, F1, STRS, per fold and provenance, floors marked, names
escaped, links resolving, the same bytes from the same ledger."""

from urllib.parse import urlsplit

import pytest

from cmedbench.bench.board import interval_groups, interval_lines, is_interval_record
from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.leaderboard import SubmissionInfo
from cmedbench.bench.site import build_site, write_site

from .site_helpers import HOSTILE_MODEL, build_ledger, page_links

VIDEOS = ("video_id,participant,path,n_frames,fps,width,height,recording,start,x,y\n"
          "va,p1,videos/va.mp4,100,25.0,64,64,r,0,0,0\n"
          "vb,p2,videos/vb.mp4,80,25.0,64,64,r,0,0,0\n")
EVENTS = ("video_id,onset,apex,offset,class,type\n"
          "va,10,14,19,happiness,me\nva,50,53,58,surprise,me\nvb,20,22,28,happiness,me\n")


@pytest.fixture(scope="module")
def ledger(tmp_path_factory, make_splits):
    from cmedbench.spotting.benchmark import write_spotting_bench
    from cmedbench.spotting.evaluator import IntervalEvaluator

    root = tmp_path_factory.mktemp("iv")
    ev = Evaluator("emotion-3", "loso", make_splits(root / "splits"), n_boot=50)
    board = build_ledger(ev, root / "lb")
    rel = root / "release"
    rel.mkdir()
    (rel / "videos.csv").write_text(VIDEOS)
    (rel / "events.csv").write_text(EVENTS)
    write_spotting_bench(rel, root / "bench")
    spot = IntervalEvaluator("me-spotting-long", "loso", root / "bench")
    strt = IntervalEvaluator("spot-then-recognize", "loso", root / "bench")
    board.submit(spot, b"video_id,onset,offset\nva,10,19\nvb,60,70\n",
                 SubmissionInfo("roi-spotter", "ROI flow", "inner-validation", (0,)))
    board.submit(spot, b"video_id,onset,offset\n", SubmissionInfo("no-intervals", "spots nothing", kind="floor"))
    board.submit(spot, b"video_id,onset,offset\nva,50,58\n", SubmissionInfo(HOSTILE_MODEL, "x", "test-fold", (1,)))
    board.submit(strt, b"video_id,onset,offset,label\nva,10,19,positive\nva,50,58,positive\nvb,20,28,negative\n",
                 SubmissionInfo("roi-spotter+svm", "ROI flow then LBP-TOP SVM", "inner-validation", (0,)))
    return board


@pytest.fixture(scope="module")
def site(ledger, tmp_path_factory):
    state = ledger.state()
    out = tmp_path_factory.mktemp("site") / "site"
    summary = write_site(out, [s.record for s in state.records], state.length, state.head, state.problems,
                         ledger.root / "predictions", None, n_perm=100)
    return out, state, summary


def _interval(state):
    return [s.record for s in state.records if is_interval_record(s.record)]


def test_one_helper_tells_interval_records_apart(site):
    _, state, _ = site
    kinds = [is_interval_record(s.record) for s in state.records]
    assert kinds.count(True) == 4 and kinds.count(False) == len(kinds) - 4
    assert not is_interval_record({"result": None}) and not is_interval_record({})
    groups = interval_groups(s.record for s in state.records)
    assert [k[1] for k in groups] == ["me-spotting-long", "spot-then-recognize"]
    assert "roi-spotter" in "\n".join(interval_lines([s.record for s in state.records]))


def test_index_shows_interval_boards_with_scores_and_floors(site):
    out, state, summary = site
    index = (out / "index.html").read_text("utf-8")
    assert "Long-video spotting and Spot-then-Recognize (intervals)" in index
    rec = next(r for r in _interval(state) if r["model"] == "roi-spotter")
    assert f'<td class="num" data-value="{rec["result"]["pooled"]["f1"]}">0.4000</td>' in index  # 1 TP, 2 + 3
    strs = next(r for r in _interval(state) if r["task"] == "spot-then-recognize")["result"]["strs"]
    assert f"{strs:.4f}" in index and "STRS mean over folds" in index
    assert index.count('class="badge floor"') >= 2  # the clip floor and the interval floor
    assert summary.boards == 3 and summary.records == len(state.records)


def test_interval_board_and_record_pages(site):
    out, state, _ = site
    for r in _interval(state):
        page = (out / "records" / f"{r['id']}.html").read_text("utf-8")
        assert r["dataset_fingerprint"] in page and r["fold_map_sha256"] in page
        assert f"sha256:{r['prediction_sha256']}" in page and "Per fold" in page
        assert "Confusion matrix" not in page and f"{r['result']['pooled']['recall']:.4f}" in page
        assert ("STRS (F1 spotting" in page) == (r["task"] == "spot-then-recognize")
    boards = sorted((out / "boards").glob("*.html"))
    spotting = next(b for b in boards if b.name.startswith("me-spotting-long")).read_text("utf-8")
    assert "roi-spotter" in spotting and 'class="badge floor"' in spotting and 'class="badge leak"' in spotting
    assert "<script>window" not in spotting and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in spotting
    assert not list((out / "compare").glob("me-spotting-long*"))
    assert not any((out / "records" / f"{r['id']}-confusion.png").exists() for r in _interval(state))


def test_every_link_resolves(site):
    out, _, _ = site
    for page in sorted(out.rglob("*.html")):
        for link in page_links(page).links:
            parts = urlsplit(link)
            assert parts.scheme not in ("http", "https"), f"{page.name} links outside the site: {link}"
            target = (page.parent / parts.path).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(out)} -> {link}"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in page_links(target).ids, f"{page.name} -> {link}: no such anchor"


def test_same_ledger_same_bytes(ledger, site):
    out, state, _ = site
    again = build_site([s.record for s in state.records], state.length, state.head, state.problems,
                       ledger.root / "predictions", None, n_perm=100)
    assert again == {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
