"""The leaderboard site without a browser: escaping, links, reproductions, provenance, determinism."""

import json
import subprocess
import sys
from itertools import combinations
from urllib.parse import urlsplit

import pytest

from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.site import SiteExists, build_site, write_site
from cmedbench.bench.site.build import NOT_RECORDED, device_fields

from .site_helpers import build_ledger, page_links, stratified_file

CLI = [sys.executable, "-m", "cmedbench.cli"]


@pytest.fixture(scope="module")
def splits(tmp_path_factory, make_splits):
    return make_splits(tmp_path_factory.mktemp("b") / "splits")


@pytest.fixture(scope="module")
def ledger(splits, tmp_path_factory):
    ev = Evaluator("emotion-3", "loso", splits, n_boot=50)
    return build_ledger(ev, tmp_path_factory.mktemp("lb") / "lb"), ev


@pytest.fixture(scope="module")
def site(ledger, tmp_path_factory):
    board, ev = ledger
    results = tmp_path_factory.mktemp("results")
    run_dir = results / "rnd" / "emotion-3"
    run_dir.mkdir(parents=True)
    (run_dir / "predictions.csv").write_bytes(stratified_file(ev, 0))
    (run_dir / "run.json").write_text(json.dumps({"preset": "paper", "params": {"lr": 0.5, "note": "<i>x</i>"},
                                                  "device": "cuda", "gpu": "NVIDIA H100", "precision": "bf16"}))
    state = board.state()
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(out, [s.record for s in state.records], state.length, state.head, state.problems,
               board.root / "predictions", results, n_perm=200)
    return out, state, results


def test_every_link_resolves_and_nothing_is_fetched(site):
    out, state, _ = site
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 1 + 2 + len(state.records)  # index, board and compare, one per record
    for page in pages:
        parsed = page_links(page)
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                pytest.fail(f"{page.name} links outside the site: {link}")
            target = (page.parent / parts.path).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(out)} -> {link}"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in page_links(target).ids, f"{page.name} -> {link}: no such anchor"


def test_hostile_names_are_text(site):
    out, _, _ = site
    for page in out.rglob("*.html"):
        html = page.read_text("utf-8")
        assert "<script>window" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "\u202e" not in html
    board = next((out / "boards").glob("*.html")).read_text("utf-8")
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in board


def test_reproduction_is_not_a_seed(site):
    out, state, _ = site
    board = next((out / "boards").glob("*.html")).read_text("utf-8")
    rerun = state.records[2].record
    assert "2 seeds (0, 1)" in board and "reproduction drifting UF1" in board
    assert f'<a href="../records/{rerun["id"]}.html"><code>{rerun["id"][:8]}</code></a>: reproduction' in board
    assert "3 seeds" not in board


def test_floors_leaks_and_reported_rows_are_marked(site):
    out, _, _ = site
    board = next((out / "boards").glob("*.html")).read_text("utf-8")
    assert 'class="badge floor"' in board and 'class="badge leak"' in board
    assert 'class="badge reported"' in board and "Reported in the CMED paper" in board
    assert board.count('<button type="button" data-sort=') == 10


def test_record_page_shows_provenance_and_says_what_is_missing(site):
    out, state, _ = site
    seed0 = state.records[0].record
    page = (out / "records" / f"{seed0['id']}.html").read_text("utf-8")
    assert seed0["dataset_fingerprint"] in page and seed0["fold_map_sha256"] in page
    assert "NVIDIA H100" in page and "bf16" in page and "lr: 0.5" in page and "&lt;i&gt;x" in page
    assert f'href="../predictions/{seed0["prediction_sha256"]}.csv.gz"' in page
    assert f'src="{seed0["id"]}-confusion.png"' in page and 'alt="Confusion matrix' in page
    other = (out / "records" / f"{state.records[1].record['id']}.html").read_text("utf-8")
    assert other.count(NOT_RECORDED) >= 6  # preset, params, device fields: no run.json for these predictions


def test_device_fields_read_records_then_run_json():
    assert dict(device_fields({"environment": {"device": "cuda", "torch_version": "2.5"}}, None)) == {
        "device": "cuda", "GPU": NOT_RECORDED, "torch": "2.5", "CUDA": NOT_RECORDED, "precision": NOT_RECORDED,
        "deterministic algorithms": NOT_RECORDED}
    assert dict(device_fields({}, {"device": "cpu", "deterministic": True}))["deterministic algorithms"] == "True"


def test_compare_page_has_every_pair(site):
    out, state, _ = site
    page = next((out / "compare").glob("*.html"))
    ids = page_links(page).ids
    recs = [s.record["id"] for s in state.records]
    for a, b in combinations(recs, 2):
        assert f"pair-{a}-{b}" in ids


def test_same_ledger_same_bytes_and_no_silent_replace(ledger, site, tmp_path):
    board, _ = ledger
    out, state, results = site
    records = [s.record for s in state.records]
    again = build_site(records, state.length, state.head, state.problems, board.root / "predictions", results,
                       n_perm=200)
    assert again == {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(SiteExists):
        write_site(out, records, n_perm=200)


def test_cli_writes_the_site_and_needs_out(ledger, tmp_path):
    board, _ = ledger
    r = subprocess.run(CLI + ["leaderboard", "--format", "html", "--leaderboard", str(board.root)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--out" in r.stderr
    out = tmp_path / "web"
    r = subprocess.run(CLI + ["leaderboard", "--format", "html", "--out", str(out), "--leaderboard",
                              str(board.root), "--results", str(tmp_path / "none")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (out / "index.html").is_file() and "pages" in r.stdout
    r = subprocess.run(CLI + ["leaderboard", "--format", "html", "--out", str(out), "--leaderboard", str(board.root)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--force" in r.stderr
