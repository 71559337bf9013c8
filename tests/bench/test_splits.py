import csv

import numpy as np
import pytest

from cmedbench.bench.protocols import ProtocolError, assign_folds
from cmedbench.bench.splits import SplitsError, load_benchmark
from cmedbench.bench.tasks import get_task, tasks


def test_tasks_are_data_with_fixed_label_lists():
    assert get_task("emotion-3").labels == ("negative", "positive", "surprise")
    assert get_task("emotion-3").label_of("fear") == "negative"
    assert get_task("emotion-6").excluded == ("no-me",)
    assert get_task("me-spotting").label_of("happiness") == "me"
    assert set(tasks()) == {"me-spotting", "emotion-6", "emotion-3"}


def test_loso_is_subject_and_kfold_is_subject_independent_and_seeded():
    subjects = np.array([f"sub_{i % 23:02d}" for i in range(500)])
    assert (assign_folds(subjects, "loso") == subjects).all()
    a, b = assign_folds(subjects, "kfold-10", seed=1), assign_folds(subjects, "kfold-10", seed=1)
    assert (a == b).all() and len(set(a)) == 10
    for s in set(subjects):
        assert len(set(a[subjects == s])) == 1  # a subject never spans two folds
    assert not (assign_folds(subjects, "kfold-10", seed=2) == a).all()
    with pytest.raises(ProtocolError, match="at least 10 subjects"):
        assign_folds(subjects[:3], "kfold-10")
    with pytest.raises(ProtocolError, match="unknown protocol"):
        assign_folds(subjects, "holdout")


def test_benchmark_folder_round_trip(tmp_path, make_splits, read_folds, truth):
    root = make_splits(tmp_path / "splits")
    rows = read_folds(root, "emotion-6")
    t = truth(root)
    assert all(t[r["sample_id"]] != "no-me" for r in rows)  # the task's exclusion is applied
    assert {r["fold"] for r in rows} == {r["subject"] for r in rows}
    with open(root / "samples.csv") as fh:
        assert next(csv.reader(fh)) == ["sample_id", "subject", "path"]  # no labels for participants
    b = load_benchmark(root, "emotion-6", "loso")
    assert len(b.sample_ids) == len(rows) and b.task.name == "emotion-6"
    code = {label: i for i, label in enumerate(b.task.labels)}
    assert [code[t[s]] for s in b.sample_ids] == b.y_true.tolist()


def test_splits_are_deterministic(tmp_path, make_splits):
    a, b = make_splits(tmp_path / "a"), make_splits(tmp_path / "b")
    for rel in ("truth.csv", "samples.csv", "folds/emotion-3/kfold-10.csv", "folds/me-spotting/loso.csv"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes()


def test_edited_fold_map_is_detected(tmp_path, make_splits):
    root = make_splits(tmp_path / "splits")
    p = root / "folds/emotion-3/loso.csv"
    p.write_text(p.read_text().replace("sub_01", "sub_02", 1))
    with pytest.raises(SplitsError, match="does not match the hash"):
        load_benchmark(root, "emotion-3", "loso")


def test_missing_folder_and_unknown_protocol(tmp_path, make_splits):
    with pytest.raises(SplitsError, match="run `cmedbench splits`"):
        load_benchmark(tmp_path, "emotion-3", "loso")
    root = make_splits(tmp_path / "splits")
    with pytest.raises(SplitsError, match="unknown protocol"):
        load_benchmark(root, "emotion-3", "leave-two-out")


@pytest.fixture
def pinned_table(canonical_table):
    """60 clips of 12 subjects, every class, stand-in content hashes: a fixed input for pinned outputs."""
    import hashlib

    from cmedbench.release.fingerprint import sample_ids

    emotions = ["happiness", "no-me", "anger", "surprise", "disgust", "fear", "sadness"]
    rows = [(f"sub_{1 + i % 12:02d}", f"c{i}.mp4", emotions[i % 7], None if emotions[i % 7] == "no-me" else i % 5)
            for i in range(60)]
    t = canonical_table(rows)
    t.insert(0, "sample_id", sample_ids(t))
    return t.assign(path=t["filename"], n_frames=10, fps=25.0, width=300, height=300,
                    sha256=[hashlib.sha256(f.encode()).hexdigest() for f in t["filename"]])


def test_fingerprint_and_fold_maps_are_pinned(tmp_path, pinned_table):
    """Records carry the fingerprint and fold-map hashes: the committed board reproduces only while
    these bytes stay the same (values computed before the sample table became the seam)."""
    import hashlib

    from cmedbench.bench.splits import write_benchmark
    from cmedbench.release.fingerprint import dataset_fingerprint

    t = pinned_table
    fingerprint = dataset_fingerprint(t)
    assert fingerprint == "sha256:cefff18a3f8511b524dbb2d1bf8d233ff31236f7542c322e64c8d4f4991001e4"
    assert dataset_fingerprint(t.drop(columns="sha256")) == \
        "sha256:28e4e2e782b8667953b621ee256dcdf408d4f86d1c5180de9564272be77dbcf7"  # metadata only
    root = write_benchmark(t, fingerprint, tmp_path / "splits")
    pinned = {"me-spotting/loso": "176cb15236ab5f26", "me-spotting/kfold-10": "9910d5a42a042fff",
              "emotion-6/loso": "7496ca1a85aa4cdf", "emotion-6/kfold-10": "a3f4ce6f21c1dbaa",
              "emotion-3/loso": "7496ca1a85aa4cdf", "emotion-3/kfold-10": "a3f4ce6f21c1dbaa"}
    for name, digest in pinned.items():
        assert hashlib.sha256((root / "folds" / f"{name}.csv").read_bytes()).hexdigest()[:16] == digest, name


def test_benchmark_folder_is_byte_reproducible(tmp_path, pinned_table):
    import json

    from cmedbench.bench.splits import write_benchmark
    from cmedbench.release.fingerprint import dataset_fingerprint

    t = pinned_table
    a = write_benchmark(t, dataset_fingerprint(t), tmp_path / "a")
    b = write_benchmark(t.sample(frac=1, random_state=1), dataset_fingerprint(t), tmp_path / "b")  # row order too
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    manifest = json.loads((a / "manifest.json").read_text())
    assert "created" not in manifest and set(manifest["files"]) == {str(f) for f in files} - {"manifest.json"}


def test_write_benchmark_refuses_bad_input_and_writes_nothing(tmp_path, pinned_table):
    from cmedbench.atomic import OutputExists
    from cmedbench.bench.splits import write_benchmark
    from cmedbench.release.fingerprint import dataset_fingerprint
    from cmedbench.release.sample_table import MetadataOnlyTable, SampleTableError

    t = pinned_table
    meta = t.drop(columns=["path", "n_frames", "fps", "width", "height", "sha256"])
    with pytest.raises(MetadataOnlyTable, match="metadata-only"):
        write_benchmark(meta, dataset_fingerprint(meta), tmp_path / "m")
    bad = t.copy()
    bad.loc[3, "emotion"] = "joy"
    with pytest.raises(SampleTableError, match="line 5.*not a known label"):
        write_benchmark(bad, "sha256:x", tmp_path / "b")
    assert not list(tmp_path.iterdir())
    root = write_benchmark(t, dataset_fingerprint(t), tmp_path / "splits")
    with pytest.raises(OutputExists):
        write_benchmark(t, dataset_fingerprint(t), root)
    assert write_benchmark(t, dataset_fingerprint(t), root, force=True) == root
