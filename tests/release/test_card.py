"""The dataset card: Croissant validated by mlcroissant, the datasheet's numbers, facts, refusals."""

import json
import shutil
import subprocess
import sys

import pytest

from cmedbench.release.card import CardError, CardExists, ReleaseInvalid, build_card, load_facts, write_card

CLI = [sys.executable, "-m", "cmedbench.cli"]


@pytest.fixture(scope="module")
def release(tmp_path_factory, make_release):
    return make_release(tmp_path_factory.mktemp("r") / "release")


@pytest.fixture(scope="module")
def card(release, tmp_path_factory):
    out = tmp_path_factory.mktemp("c") / "card"
    summary = write_card(release, out, profile="none")
    return out, summary


def test_croissant_validates_and_reads_every_clip(release, card, tmp_path):
    mlc = pytest.importorskip("mlcroissant")
    out, _ = card
    root = tmp_path / "release"
    shutil.copytree(release, root)
    shutil.copy(out / "croissant.json", root / "croissant.json")  # its paths are relative to the release root
    dataset = mlc.Dataset(jsonld=str(root / "croissant.json"))
    assert not dataset.metadata.ctx.issues.errors
    records = list(dataset.records("clips-metadata"))
    assert len(records) == 5 and {r["clips-metadata/filename"] for r in records} == {
        b"a.mp4", b"b.mp4", b"c.mp4", b"d.mp4", b"e.mp4"}
    doc = json.loads((out / "croissant.json").read_text())
    for key in ("rai:dataCollection", "rai:dataBiases", "rai:dataUseCases", "rai:personalSensitiveInformation"):
        assert doc[key]
    assert "Must not be used for" in doc["usageInfo"] and "Consent and assent" in doc["conditionsOfAccess"]


def test_datasheet_numbers_come_from_the_release(card):
    out, summary = card
    md = (out / "card.md").read_text()
    assert "| clips | 5 (3 micro-expression, 2 No-ME) |" in md and "| subjects | 3 |" in md
    assert "300x300 (5 clips)" in md and "25 fps (5 clips)" in md and summary.fingerprint in md
    assert "| sub\\_01 | 0 | 1 | 0 | 1 | 2 |" in md  # escaped for Markdown; anger, happiness, surprise, no-me, total
    assert "This release is synthetic" not in md and "Not stated by the data holder" in md
    html = (out / "card.html").read_text()
    assert html.count("<img ") == 3 and html.count('alt="') == 3 and "<caption>" in html
    for name in ("classes", "subjects", "clip_lengths"):
        assert (out / "figures" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_synthetic_release_says_so(release, tmp_path):
    root = tmp_path / "synth"
    shutil.copytree(release, root)
    (root / "synth_config.yaml").write_text("seed: 0\n")
    files, info = build_card(root, profile="none")
    assert info["synthetic"]
    md, html = files["card.md"].decode(), files["card.html"].decode()
    assert "**This release is synthetic.**" in md and "No child was recorded" in html
    assert json.loads(files["croissant.json"])["rai:dataCollectionType"] == ["Synthetic"]


def test_holder_facts_replace_the_defaults_and_are_escaped(release, tmp_path):
    facts = tmp_path / "facts.yaml"
    facts.write_text("access: 'Researchers who sign <b>the</b> agreement'\nbiases: [one school, one city]\n")
    files, _ = build_card(release, profile="none", facts_file=facts)
    html = files["card.html"].decode()
    assert "Researchers who sign &lt;b&gt;the&lt;/b&gt; agreement" in html and "<li>one school</li>" in html
    (tmp_path / "bad.yaml").write_text("acces: typo\n")
    with pytest.raises(CardError, match="unknown card fact"):
        load_facts(release, tmp_path / "bad.yaml")


def test_invalid_release_gets_no_card(release, tmp_path):
    root = tmp_path / "broken"
    shutil.copytree(release, root)
    next(root.glob("FinalFullVideos_subjects/*/*/*.mp4")).unlink()
    with pytest.raises(ReleaseInvalid):
        write_card(root, tmp_path / "card", profile="none")
    assert not (tmp_path / "card").exists()


def test_cli(release, card, tmp_path):
    out, _ = card
    with pytest.raises(CardExists):
        write_card(release, out, profile="none")
    r = subprocess.run(CLI + ["card", str(release), "--out", str(out), "--profile", "none"], capture_output=True, text=True)
    assert r.returncode == 2 and "--force" in r.stderr
    r = subprocess.run(CLI + ["card", str(release), "--out", str(tmp_path / "c"), "--profile", "none"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "croissant.json" in r.stdout, r.stderr
