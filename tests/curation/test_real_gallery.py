"""Curation on a 2x2 gallery composed from real talking-head videos (skipped without ../shared/realfaces)."""

import numpy as np
import pandas as pd
import pytest

from cmedbench.curation.compile import compile_release
from cmedbench.curation.crop import crop_square
from cmedbench.curation.label_checks import recording_infos
from cmedbench.curation.reconcile import LabelsError, reconcile_labels
from cmedbench.curation.segment import read_dropped, read_segments, segment_recordings
from cmedbench.release.profiles import load_profile
from cmedbench.release.validate import validate_release

from .gallery import REALFACES, reflowing, two_by_two

pytestmark = pytest.mark.skipif(not REALFACES.is_dir(), reason="../shared/realfaces is not present")


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    root = tmp_path_factory.mktemp("gallery")
    (root / "recordings").mkdir()
    g = two_by_two(root / "recordings" / "gal.mp4")
    segment_recordings([root / "recordings"], root / "segments")
    return {"root": root, "g": g, "segments": read_segments(root / "segments"),
            "dropped": read_dropped(root / "segments")}


def _visible(span, shares):
    pieces = [span]
    for a, b in shares:
        pieces = [p for x, y in pieces for p in ((x, min(y, a)), (max(x, b), y)) if p[0] < p[1]]
    return pieces


def test_every_real_appearance_is_one_segment_with_exact_frames(gallery):
    g, segs = gallery["g"], gallery["segments"]
    expected = []
    for p in g.people:
        x0, y0, x1, y1 = g.tiles[p.tile]
        for span in p.present:
            expected += [(p.name, (x0 + x1) / 2, (y0 + y1) / 2, a, b) for a, b in _visible(span, g.shares)]
    assert len(segs) == len(expected)
    for name, cx, cy, a, b in expected:
        mine = segs[(segs["x"] <= cx) & (cx < segs["x"] + segs["side"]) & (segs["y"] <= cy)
                    & (cy < segs["y"] + segs["side"])]
        best = mine.iloc[int(np.argmin(abs(mine["start"] - a) + abs(mine["end"] - b)))]
        assert abs(best["start"] - a) <= 2 and abs(best["end"] - b) <= 2, (name, a, b, best.to_dict())


def _inside(seg, rect) -> bool:
    x0, y0, x1, y1 = rect
    return x0 <= seg["x"] and y0 <= seg["y"] and seg["x"] + seg["side"] <= x1 and seg["y"] + seg["side"] <= y1


def test_every_crop_lies_inside_its_tile_and_no_flag_fires_on_real_faces(gallery):
    g, segs = gallery["g"], gallery["segments"]
    for seg in segs.to_dict("records"):
        assert any(_inside(seg, t) for t in g.tiles.values()), seg  # never a neighbour's pixels, never padding
        assert seg["padding"] == 0
        assert _inside(seg, (seg["tile_x0"], seg["tile_y0"], seg["tile_x1"], seg["tile_y1"]))
    assert (segs["flags"] == "").all(), segs[["segment", "flags", "speaking_ratio", "samples_multiple"]]
    assert segs["facilitator_evidence"].str.contains("no share cue").all()  # the slide fills the frame


def test_a_real_participant_who_shares_owns_the_share_but_is_not_flagged(tmp_path):
    # Bob talks the most of the four real faces (1.24x the others' median, measured): the hardest case
    (tmp_path / "recordings").mkdir()
    g = two_by_two(tmp_path / "recordings" / "gal.mp4", share_speaker="Bob")
    segment_recordings([tmp_path / "recordings"], tmp_path / "segments")
    segs = read_segments(tmp_path / "segments")
    x0, y0, x1, y1 = g.tiles[next(p.tile for p in g.people if p.name == "Bob")]
    bob = segs[(segs["x"] + segs["side"] / 2).between(x0, x1) & (segs["y"] + segs["side"] / 2).between(y0, y1)]
    assert len(bob) and (bob["share_ownership"] == 1.0).all()
    assert (segs.loc[~segs.index.isin(bob.index), "share_ownership"] == 0.0).all()
    assert (segs["flags"] == "").all(), segs[["segment", "flags", "speaking_ratio", "share_ownership"]]
    assert bob["facilitator_evidence"].str.contains("sharing alone does not flag").all()


def test_algorithm1_as_written_crosses_tiles(gallery, tmp_path):
    """The mode kept for the paper's Algorithm 1: its crops run past the tile (and the frame edge)."""
    from cmedbench.curation.segment import SegmentConfig, segment_recording

    segs = segment_recording(gallery["g"].path, SegmentConfig(mode="algorithm1")).segments
    assert len(segs) == len(gallery["segments"])
    assert not all(any(_inside(s, t) for t in gallery["g"].tiles.values()) for s in segs)


def test_a_reflow_from_2x2_to_3x3_ends_and_starts_segments_at_the_reflow(tmp_path):
    from cmedbench.curation.segment import segment_recording

    g = reflowing(tmp_path / "reflow.mp4")
    from .gallery import grid_tiles

    before, after = grid_tiles(2), grid_tiles(3)
    new = {"Alice": (0, 1), "Bob": (1, 2), "Carol": (2, 0), "Dan": (1, 1)}
    segs = segment_recording(g.path).segments
    assert len(segs) == 8
    assert len({s["participant"] for s in segs}) == 4  # the same four people before and after the reflow
    assert sorted(s["layout"] for s in segs) == [1] * 4 + [2] * 4  # numbered layout periods
    assert all((s["layout"] == 2) == (s["start"] >= 150) for s in segs)
    for p in g.people:
        for tile, (a, b) in ((before[p.tile], (0, 150)), (after[new[p.name]], (150, 300))):
            mine = [s for s in segs if _inside(s, tile) and s["start"] < b and a < s["end"]]
            assert len(mine) == 1, (p.name, tile, segs)
            assert abs(mine[0]["start"] - a) <= 2 and abs(mine[0]["end"] - b) <= 2, (p.name, mine[0])
        ids = {s["participant"] for s in segs if any(_inside(s, t) for t in (before[p.tile], after[new[p.name]]))
               and (s["start"] < 150 if _inside(s, before[p.tile]) else s["start"] >= 150)}
        assert len(ids) == 1, (p.name, ids)
    assert all(s["flags"] == "" for s in segs)


def test_one_participant_id_per_person_across_leave_return_and_share(gallery):
    g, segs = gallery["g"], gallery["segments"]
    for p in g.people:
        x0, y0, x1, y1 = g.tiles[p.tile]
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        mine = segs[(segs["x"] <= cx) & (cx < segs["x"] + segs["side"]) & (segs["y"] <= cy)
                    & (cy < segs["y"] + segs["side"])]
        assert mine["participant"].nunique() == 1, (p.name, mine[["segment", "participant"]])
    assert segs["participant"].nunique() == len(g.people)
    roster = pd.read_csv(gallery["root"] / "segments" / "roster" / "gal.csv", keep_default_na=False)
    assert sorted(roster["participant"]) == sorted(segs["participant"].unique())
    assert all((gallery["root"] / "segments" / t).is_file() for t in roster["thumbnail"])


def test_share_span_is_a_dropped_row(gallery):
    d = gallery["dropped"]
    share = d[d["reason"].str.startswith("screen share")]
    assert [(int(r.start), int(r.end)) for r in share.itertuples()] == gallery["g"].shares


def _labels(folder, rows, stage2=None):
    folder.mkdir()
    s1 = pd.DataFrame(rows, columns=["event_id", "recording", "subject", "x", "y", "onset", "apex", "offset", "class"])
    s1.to_csv(folder / "stage1.csv", index=False)
    s2 = s1[["event_id", "class"]].copy()
    for eid, cls in (stage2 or {}).items():
        s2.loc[s2["event_id"] == eid, "class"] = cls
    s2.to_csv(folder / "stage2.csv", index=False)


def test_real_release_from_hand_written_labels_validates_and_counts_add_up(gallery, tmp_path):
    root = gallery["root"]
    _labels(tmp_path / "raw_labels", [
        ("e1", "gal", "sub_03", 322, 538, 200, 205, 215, "happiness"),  # Carol after her return: written
        ("e2", "gal", "sub_01", 322, 182, 350, "", 362, "no-me"),  # Alice after the share: written
        ("e3", "gal", "sub_04", 958, 538, 60, 64, 70, "surprise"),  # Dan before the share
        ("e4", "gal", "sub_03", 322, 538, 130, 134, 140, "happiness"),  # Carol is away: rejected
        ("e5", "gal", "sub_02", 958, 182, 305, 308, 315, "happiness"),  # during the share: rejected
        ("e6", "gal", "sub_02", 958, 182, 20, 24, 30, "sadness"),  # stage 2 disagrees: not accepted
    ], stage2={"e6": "fear"})
    reconcile_labels(tmp_path / "raw_labels", tmp_path / "labels", root / "recordings")
    summary = compile_release(root / "segments", tmp_path / "labels", tmp_path / "release")
    assert summary["accepted"] == 5 == summary["clips"] + summary["excluded"] + summary["rejected"]
    report = pd.read_csv(tmp_path / "release" / "compile_report.csv", keep_default_na=False).set_index("event_id")
    assert report.loc["e1", "status"] == "written" and report.loc["e2", "status"] == "written"
    assert report.loc["e4", "status"] == "rejected" and "saw no face" in report.loc["e4", "reason"]
    assert report.loc["e5", "status"] == "rejected" and "screen share" in report.loc["e5", "reason"]
    assert report.loc["e3", "status"] in ("written", "excluded") and (report["reason"] != "").sum() == 5 - summary[
        "clips"]
    result = validate_release(tmp_path / "release", load_profile("none"))
    assert result.report.valid, result.report.errors[:5]
    assert int(result.table.set_index("event_id").loc["e1", "apex_frame"]) == 5


def test_compiled_clip_is_the_source_crop(gallery, tmp_path):
    """One encode: the clip is lossless, so it equals the segment's crop of the source (PSNR >= 40 dB)."""
    import cv2

    root = gallery["root"]
    _labels(tmp_path / "raw_labels", [("e1", "gal", "sub_03", 322, 538, 200, 205, 215, "happiness")])
    reconcile_labels(tmp_path / "raw_labels", tmp_path / "labels")
    compile_release(root / "segments", tmp_path / "labels", tmp_path / "release")
    report = pd.read_csv(tmp_path / "release" / "compile_report.csv", keep_default_na=False)
    seg = gallery["segments"].set_index("segment").loc[report.loc[0, "segment"]]
    area = (int(seg["x"]), int(seg["y"]), int(seg["side"]))
    src = cv2.VideoCapture(str(root / "recordings" / "gal.mp4"))
    src.set(cv2.CAP_PROP_POS_FRAMES, 0)
    source = [src.read()[1] for _ in range(216)][200:]
    clip_path = next((tmp_path / "release").rglob("gal_e1.avi"))
    cap = cv2.VideoCapture(str(clip_path))
    clip = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        clip.append(f)
    assert len(clip) == 16
    mse = np.mean([(crop_square(s, area, int(seg["crop"])).astype(float) - c) ** 2 for s, c in zip(source, clip)])
    psnr = np.inf if mse == 0 else 10 * np.log10(255 ** 2 / mse)
    assert psnr >= 40


def test_labels_past_the_recording_or_outside_its_frame_are_located(gallery, tmp_path):
    infos = recording_infos(gallery["root"] / "recordings")
    assert infos["gal"].n_frames == 420 and (infos["gal"].width, infos["gal"].height) == (1280, 720)
    _labels(tmp_path / "raw", [("e1", "gal", "sub_03", 322, 538, 400, 405, 425, "happiness"),
                               ("e2", "gal", "sub_01", 1400, 100, 10, 12, 20, "happiness"),
                               ("e3", "nope", "sub_01", 100, 100, 10, 12, 20, "happiness")])
    with pytest.raises(LabelsError) as exc:
        reconcile_labels(tmp_path / "raw", tmp_path / "out", gallery["root"] / "recordings")
    msg = str(exc.value)
    assert "stage1.csv line 2: offset 425 is past the end of gal (420 frames)" in msg
    assert "stage1.csv line 3: the marked point (1400, 100) is outside gal's 1280x720 frame" in msg
    assert "stage1.csv line 4: unknown recording 'nope'" in msg
