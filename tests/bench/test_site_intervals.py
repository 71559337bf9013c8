"""Interval records (long-video spotting, Spot-then-Recognize) on the HTML site: their boards beside the
clip boards, a page per record with P, R, F1, STRS, per fold and provenance, floors marked, names
escaped, links resolving, the same bytes from the same ledger."""

from urllib.parse import urlsplit

import pytest

from cmedbench.bench.board import interval_groups, interval_lines, is_interval_record
from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.site import build_site, write_site

from .site_helpers import add_interval_records, build_ledger, page_links

@pytest.fixture(scope="module")
def ledger(tmp_path_factory, make_splits):
    root = tmp_path_factory.mktemp("iv")
    ev = Evaluator("emotion-3", "loso", make_splits(root / "splits"), n_boot=50)
    board = build_ledger(ev, root / "lb")
    add_interval_records(board, root / "long")
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
