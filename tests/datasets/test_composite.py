"""The MEGC 2019 composite and cross-dataset protocols on imported fixtures: the rules keep and drop
what the challenge does, sample ids survive the join, the benchmark folder gets LOSO over every
member's subjects and lodo, hashed like every fold map, and predictions score per dataset."""

import csv
import json

import pytest

from cmedbench.bench.protocols import ProtocolError, assign_folds, dataset_of, protocols_for
from cmedbench.bench.splits import write_benchmark_from_samples
from cmedbench.datasets.composite import CombineError, combine_releases, score_by_dataset
from cmedbench.datasets.importer import import_dataset
from cmedbench.release.frames import clip_frames
from cmedbench.release.sample_table import read_sample_table


@pytest.fixture(scope="module")
def members(tmp_path_factory, layouts):
    root = tmp_path_factory.mktemp("members")
    casme2 = layouts["casme2"](root / "casme2", [
        (1, "EP01_01", 1, 2, 3, "4", "disgust"), (1, "EP01_02", 1, 2, 3, "12", "happiness"),
        (2, "EP02_01", 1, 2, 3, "4", "repression"), (2, "EP02_02", 1, 2, 3, "1+2", "surprise"),
        (2, "EP02_03", 1, 2, 3, "4", "fear"), (3, "EP03_01", 1, 2, 3, "", "others"),
        (4, "EP12_01f", 1, 2, 3, "4", "disgust"),          # left out of MEGC 2019 by name
    ])
    samm = layouts["samm"](root / "samm", [
        ("006", "006_1_1", 10, 11, 12, "R12", "Happiness"), ("006", "006_1_2", 10, 11, 12, "4", "Contempt"),
        ("007", "007_1_1", 10, 11, 12, "1+2", "Surprise"), ("007", "007_1_2", 10, 11, 12, "4", "Other"),
    ])
    smic = layouts["smic"](root / "smic", [("s1", "negative", "s1_ne_01", 1, 3), ("s2", "positive", "s2_po_01", 1, 3),
                                           ("s2", "surprise", "s2_sur_01", 1, 3)])
    out = {}
    for name, src in (("casme2", casme2), ("samm", samm), ("smic-hs", smic)):
        result = import_dataset(name, src, root / f"rel-{name}", profile="none")
        assert result.report.valid
        out[name] = root / f"rel-{name}"
    return out


def test_megc2019_rules(members, tmp_path):
    result = combine_releases(list(members.values()), tmp_path / "megc", "megc2019", counts=False)
    assert result.report.valid
    table = read_sample_table(result.samples)
    kept = set(zip(table["subject"], table["filename"]))
    assert ("casme2_sub_02", "EP02_03") not in kept and ("casme2_sub_03", "EP03_01") not in kept  # fear, others
    assert ("casme2_sub_04", "EP12_01f") not in kept and ("samm_sub_07", "007_1_2") not in kept
    assert len(table) == 4 + 3 + 3
    members_ids = set().union(*(set(read_sample_table(p / "samples.csv")["sample_id"]) for p in members.values()))
    assert set(table["sample_id"]) <= members_ids  # the same ids as in each dataset's own release
    assert all(clip_frames(tmp_path / "megc" / p) for p in table["path"])


def test_megc2019_counts_are_checked(members, tmp_path):
    result = combine_releases(list(members.values()), tmp_path / "megc", "megc2019")
    messages = [p.message for p in result.report.errors]
    assert "samples: megc2019 publishes 442, found 10" in messages
    assert "3-class negative: megc2019 / casme2 publishes 88, found 2" in messages
    assert result.samples is None


def test_rules_need_every_member_and_no_stranger(members, tmp_path):
    result = combine_releases([members["casme2"], members["samm"]], tmp_path / "a", "megc2019", counts=False)
    assert [p.message for p in result.report.errors] == ["megc2019 needs a release of smic-hs; none was given"]
    with pytest.raises(CombineError, match="given twice"):
        combine_releases([members["samm"], members["samm"]], tmp_path / "b")
    with pytest.raises(CombineError, match="not an imported release"):
        combine_releases([tmp_path], tmp_path / "c")


def test_benchmark_folder_and_per_dataset_scores(members, tmp_path):
    combined = combine_releases(list(members.values()), tmp_path / "megc", "megc2019", counts=False)
    write_benchmark_from_samples(combined.samples, tmp_path / "splits")
    manifest = json.loads((tmp_path / "splits" / "manifest.json").read_text())
    protocols = manifest["tasks"]["emotion-3"]["protocols"]
    assert protocols["loso"]["n_folds"] == 6 and protocols["lodo"]["n_folds"] == 3
    with open(tmp_path / "splits" / "folds" / "emotion-3" / "lodo.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["fold"] for r in rows} == {"casme2", "samm", "smic-hs"}
    truth = {r["sample_id"]: r["emotion"] for r in csv.DictReader(open(tmp_path / "splits" / "truth.csv"))}
    three = {"disgust": "negative", "repression": "negative", "contempt": "negative", "negative": "negative",
             "happiness": "positive", "positive": "positive", "surprise": "surprise"}
    preds = tmp_path / "p.csv"
    with open(preds, "w") as fh:
        fh.write("sample_id,prediction\n")
        for r in rows:  # right on every dataset but SAMM, where everything is called negative
            fh.write(f"{r['sample_id']},{'negative' if r['fold'] == 'samm' else three[truth[r['sample_id']]]}\n")
    scores = score_by_dataset(preds, tmp_path / "splits", "emotion-3", "loso")
    assert scores["datasets"]["casme2"]["uf1"] == 1.0 and scores["datasets"]["smic-hs"]["uar"] == 1.0
    assert scores["datasets"]["samm"]["uar"] == pytest.approx(1 / 3)
    assert scores["n_samples"] == 10 and scores["composite"]["uf1"] < 1.0


def test_lodo_protocol():
    subjects = ["casme2_sub_01", "samm_sub_06", "casme2_sub_02", "smic-hs_sub_01"]
    assert assign_folds(subjects, "lodo").tolist() == ["casme2", "samm", "casme2", "smic-hs"]
    assert dataset_of("sub_01") is None and dataset_of("smic-hs_sub_01") == "smic-hs"
    assert protocols_for(["sub_01", "sub_02"]) == ("loso", "kfold-10")  # CMED's folders are unchanged
    assert protocols_for(subjects)[-1] == "lodo"
    with pytest.raises(ProtocolError, match="two or more"):
        assign_folds(["casme2_sub_01", "casme2_sub_02"], "lodo")


def test_cli_combine_and_score_datasets(members, tmp_path):
    import subprocess
    import sys

    cli = [sys.executable, "-m", "cmedbench.cli"]
    r = subprocess.run(cli + ["combine", *map(str, members.values()), "--rules", "megc2019", "--out",
                              str(tmp_path / "m"), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 1 and "INVALID" in r.stdout and "Traceback" not in r.stderr  # published counts
    r = subprocess.run(cli + ["combine", *map(str, members.values()), "--out", str(tmp_path / "u"), "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(read_sample_table(tmp_path / "u" / "samples.csv")) == 7 + 4 + 3  # a union keeps every row
    r = subprocess.run(cli + ["combine", str(tmp_path), "--out", str(tmp_path / "x")], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "not an imported release" in r.stderr
    write_benchmark_from_samples(tmp_path / "u" / "samples.csv", tmp_path / "splits")
    bad = tmp_path / "bad.csv"
    bad.write_text("sample_id,prediction\nnope,positive\n")
    r = subprocess.run(cli + ["score-datasets", str(bad), "--splits", str(tmp_path / "splits"), "--protocol",
                              "lodo"], capture_output=True, text=True)
    assert r.returncode == 1 and "problem(s) in the prediction file" in r.stderr and "Traceback" not in r.stderr
