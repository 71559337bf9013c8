"""The cmed-v1 profile against the paper's own tables, and exact mismatch reports."""

import pandas as pd
import pytest

from cmedbench.release.labels import LABELS
from cmedbench.release.profiles import ProfileError, THREE_CLASS, check_profile, load_profile, parse_profile
from cmedbench.release.report import Report
from cmedbench.synth.distribution import metadata_table


@pytest.fixture(scope="module")
def cmed():
    return load_profile("cmed-v1")


def check(profile, table, has_frames=False):
    report = Report("r", profile.name)
    check_profile(profile, table, report, has_frames, "video_emotion_metadata.csv")
    report.settle()
    return report


def test_table_v_sums_to_tables_ii_and_iii(cmed):
    """The per-subject table (Table V) and the class totals (Tables II, III) are independent data."""
    counts = cmed.subject_counts
    assert len(counts) == 74 and list(counts.columns) == list(LABELS)
    assert counts.sum().to_dict() == cmed.classes
    assert counts.to_numpy().sum() == cmed.total == 10924
    assert counts.drop(columns="no-me").to_numpy().sum() == cmed.total_emotion == 5486
    three = counts.drop(columns="no-me").T.groupby(THREE_CLASS).sum().sum(axis=1).to_dict()
    assert three == cmed.three_class == {"negative": 280, "positive": 4855, "surprise": 351}
    # spot checks against the paper's Table V rows
    assert counts.loc["sub_01"].tolist() == [29, 12, 2, 602, 19, 37, 691]
    assert counts.loc["sub_71", "anger"] == 1 and counts.loc["sub_71"].sum() == 1


def test_table_v_metadata_passes(cmed):
    table = metadata_table(cmed.subject_counts, seed=0)
    report = check(cmed, table)
    assert report.valid, report.problems[:5]
    assert {c.name: c.status for c in report.checks}["profile.frames"] == "skip"


def test_moving_one_sample_between_subjects_is_reported_exactly(cmed):
    table = metadata_table(cmed.subject_counts, seed=0)
    i = table.index[(table["subject"] == "sub_03") & (table["emotion"] == "fear")][0]
    table.loc[i, "subject"] = "sub_04"
    report = check(cmed, table)
    mismatches = next(c for c in report.checks if c.name == "profile.subjects").counts["mismatches"]
    assert mismatches == [{"subject": "sub_03", "class": "fear", "expected": 2, "found": 1},
                          {"subject": "sub_04", "class": "fear", "expected": 2, "found": 3}]
    assert {c.name: c.status for c in report.checks}["profile.classes"] == "pass"


def test_moving_one_sample_between_classes_is_reported_exactly(cmed):
    table = metadata_table(cmed.subject_counts, seed=0)
    i = table.index[(table["subject"] == "sub_10") & (table["emotion"] == "happiness")][0]
    table.loc[i, "emotion"] = "surprise"
    report = check(cmed, table)
    by_check = {}
    for p in report.errors:
        by_check.setdefault(p.check, []).append(p.message)
    assert sorted(by_check["profile.subjects"]) == ["sub_10 / happiness: expected 309, found 308",
                                                    "sub_10 / surprise: expected 8, found 9"]
    assert sorted(by_check["profile.classes"]) == [
        "3-class positive: expected 4855 samples, found 4854", "3-class surprise: expected 351 samples, found 352",
        "class happiness: expected 4855 samples, found 4854", "class surprise: expected 351 samples, found 352"]


def test_extra_subject_is_reported(cmed):
    table = metadata_table(cmed.subject_counts, seed=0)
    table.loc[0, "subject"] = "sub_75"
    msgs = [p.message for p in check(cmed, table).errors]
    assert "subject sub_75 is not in the profile" in msgs


def test_frame_bounds_are_hard_and_averages_advisory(cmed):
    table = metadata_table(cmed.subject_counts, seed=0)
    n = pd.Series(100, index=table.index, dtype="Int64")
    emo, nome = table["emotion"] != "no-me", table["emotion"] == "no-me"
    n[emo.idxmax()], n[emo[::-1].idxmax()] = 4, 821
    n[nome.idxmax()], n[nome[::-1].idxmax()] = 9, 7680
    table["n_frames"] = n
    report = check(cmed, table, has_frames=True)
    assert not [p for p in report.errors if p.check == "profile.frames"]
    warned = [p.message for p in report.warnings if p.check == "profile.frames"]
    assert len(warned) == 3 and all("advisory" in m for m in warned)
    n[emo.idxmax()] = 3
    table["n_frames"] = n
    errs = [p.message for p in check(cmed, table, has_frames=True).errors]
    assert "emotion: min frames expected 4, found 3" in errs and "overall: min frames expected 4, found 3" in errs


@pytest.mark.parametrize("data,needle", [
    ({}, "name"), ({"name": "x", "classes": {"joy": 1}}, "unknown class"),
    ({"name": "x", "subjects": {"Sub_1": [1, 2]}}, "has 2 counts"),
    ({"name": "x", "frames": {"short": {"min": 1}}}, "frame groups"),
])
def test_malformed_profiles(data, needle):
    with pytest.raises(ProfileError, match=needle):
        parse_profile(data)


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="known: cmed-v1, none"):
        load_profile("cmed-v9")


def test_three_class_map_is_the_emotion_3_task():
    from cmedbench.bench.tasks import get_task

    assert THREE_CLASS == {e: g for e, g in get_task("emotion-3").emotion_map if e in LABELS}
    assert set(THREE_CLASS.values()) == set(load_profile("cmed-v1").three_class)


def test_resolve_auto_prefers_the_release_s_own_profile(tmp_path):
    from cmedbench.release.profiles import resolve

    assert resolve("auto", tmp_path).name == "cmed-v1"
    (tmp_path / "profile.yaml").write_text("name: mine\n")
    assert resolve("auto", tmp_path).name == "mine"
    assert resolve("none", tmp_path).name == "none"
    with pytest.raises(ProfileError, match="unknown profile"):
        resolve("nope", tmp_path)
