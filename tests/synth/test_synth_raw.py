"""Raw gallery recordings: the truth in the manifest matches the video and the labellers' files."""

import csv
import json

import numpy as np
import pytest

from cmedbench.curation.reconcile import LABELLER_COLUMNS
from cmedbench.synth.raw import RawConfig, synth_raw
from cmedbench.synth.synth_config import SynthConfigError


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    return synth_raw(tmp_path_factory.mktemp("raw") / "raw", RawConfig(seconds=24, seed=2))


def frame(path, i):
    import cv2

    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_POS_FRAMES, i)
    ok, f = cap.read()
    cap.release()
    return f


def test_layout_and_video(raw):
    import cv2

    assert sorted(p.name for p in raw.iterdir()) == ["labels", "manifest.json", "recordings"]
    cap = cv2.VideoCapture(str(raw / "recordings/rec_01.mp4"))
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (1280, 720)
    assert cap.get(cv2.CAP_PROP_FPS) == 25 and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 600


def test_manifest_describes_the_scene(raw):
    m = json.loads((raw / "manifest.json").read_text())
    rec = m["recordings"][0]
    roles = [p["role"] for p in rec["people"]]
    assert roles.count("facilitator") == 1 and roles.count("child") == 3
    assert any(p["slot"] != "full" for p in rec["people"])  # a shared tile
    assert any(len(p["present"]) == 2 for p in rec["people"])  # someone leaves and comes back
    assert rec["shares"] and rec["black_tiles"]
    # the share span shows a slide (nearly white, no tiles) and its owner in a speaker strip beside it
    a, b = rec["shares"][0]
    shot = frame(raw / "recordings/rec_01.mp4", (a + b) // 2)
    assert shot[:, :shot.shape[1] * 4 // 5].mean() > 200 and shot[:, shot.shape[1] * 4 // 5:].mean() < 200
    assert rec["share_owner"] == rec["people"][0]["person"]  # the facilitator
    for p in rec["people"]:
        for seg in p["segments"]:
            assert not any(s < seg["end"] and seg["start"] < e for s, e in rec["shares"])


def test_labels_follow_the_papers_rules(raw):
    m = json.loads((raw / "manifest.json").read_text())

    def read(name):
        with open(raw / "labels" / name, newline="") as fh:
            return {r["event_id"]: r for r in csv.DictReader(fh)}

    s1, s2, s3 = read("stage1.csv"), read("stage2.csv"), read("stage3.csv")
    assert set(s1) == set(s2) and set(s3) <= set(s1)
    for d in m["decisions"]:
        e = d["event_id"]
        a, b = s1[e]["class"], s2[e]["class"]
        if a == b:
            assert e not in s3 and d["accepted"] and d["label"] == a
        else:
            assert d["accepted"] == (s3[e]["class"] == a)
        assert (s1[e]["apex"] == "") == (a == "no-me")


def test_disagreement_rates_are_realistic():
    from cmedbench.synth.raw import label_events

    cfg = RawConfig()
    events = [{"event_id": f"e{i}", "recording": "r", "tile": [0, 1], "xy": [10, 10], "person": "sub_01", "class": c, "onset": 10, "apex": None
               if c == "no-me" else 12, "offset": 20} for i, c in enumerate(["happiness", "no-me", "anger"] * 400)]
    s1, s2, s3, decisions = label_events(events, cfg, np.random.default_rng(0))
    disagree = np.mean([d["stage1"] != d["stage2"] for d in decisions])
    assert 0.15 < disagree < 0.3 and len(s3) == sum(d["stage1"] != d["stage2"] for d in decisions)
    accepted = [d for d in decisions if d["accepted"]]
    assert 0.8 < len(accepted) / len(decisions) < 0.95
    assert np.mean([d["label"] == d["truth"] for d in accepted]) > 0.95  # the rules filter labelling errors


def test_events_only_for_children_in_their_own_tile(raw):
    m = json.loads((raw / "manifest.json").read_text())
    rec = m["recordings"][0]
    who = {p["person"]: p for p in rec["people"]}
    for e in rec["events"]:
        p = who[e["person"]]
        assert p["role"] == "child" and p["slot"] == "full"
        assert any(s["start"] <= e["onset"] and e["offset"] < s["end"] for s in p["segments"])
        if e["class"] != "no-me":
            assert e["onset"] <= e["apex"] <= e["offset"] and e["offset"] - e["onset"] <= 12


@pytest.mark.parametrize("cfg,field", [(RawConfig(grid=4), "grid"), (RawConfig(children=9), "children"),
                                       (RawConfig(seconds=5), "seconds")])
def test_impossible_requests(tmp_path, cfg, field):
    with pytest.raises(SynthConfigError, match=field) as exc:
        synth_raw(tmp_path / "o", cfg)
    assert exc.value.field == field and "--" not in str(exc.value)  # the domain, not the command line
    assert not (tmp_path / "o").exists()


def test_labeller_files_have_the_reconciler_columns(raw):
    for name, cols in LABELLER_COLUMNS.items():
        assert (raw / "labels" / name).read_text().splitlines()[0] == ",".join(cols)


def test_cli_names_the_option_of_an_impossible_request(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "cmedbench.cli", "synth", "raw", str(tmp_path / "o"), "--seconds", "5"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "'--seconds'" in r.stderr and "at least 20 seconds" in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()
