"""Cuts for the long-video release from a ``cmedbench synth raw`` folder: each child alone in a tile,
one video per visible span (the segments a correct splitter finds), with the labellers' accepted
events (stage-1 onset/apex/offset, the accepted class; No-ME spans are not events). Shared tiles and
the facilitator are left out as the CMED paper's rules leave them out of labelling."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..release.labels import NO_ME
from .longvideo import Cut, Event, LongVideoError


def _stage1(raw: Path) -> dict[str, dict]:
    path = raw / "labels" / "stage1.csv"
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return {row["event_id"]: row for row in csv.DictReader(fh)}
    except (OSError, KeyError) as exc:
        raise LongVideoError(f"{path}: not a readable stage-1 labeller file ({exc})") from None


def synthetic_cuts(raw: Path) -> tuple[list[Cut], dict]:
    """(cuts, what was read) from ``raw``'s manifest.json, recordings/ and labels/stage1.csv."""
    raw = Path(raw)
    try:
        manifest = json.loads((raw / "manifest.json").read_text("utf-8"))
        recordings, decisions = manifest["recordings"], manifest["decisions"]
    except (OSError, ValueError, KeyError) as exc:
        raise LongVideoError(f"{raw / 'manifest.json'}: not a synthetic raw manifest ({exc})") from None
    accepted = {d["event_id"]: d["label"] for d in decisions if d["accepted"] and d["label"] != NO_ME}
    stage1 = _stage1(raw)
    cuts = []
    for rec in recordings:
        w, h = rec["size"]
        grid = rec["grid"]
        tw, th = w // grid, h // grid
        path = raw / "recordings" / f"{rec['recording']}.mp4"
        for p in rec["people"]:
            if p["role"] != "child" or p["slot"] != "full":
                continue
            row, col = p["tile"]
            events = []
            for e in rec["events"]:
                if e["person"] != p["person"] or e["event_id"] not in accepted:
                    continue
                s1 = stage1[e["event_id"]]
                apex = int(s1["apex"]) if s1["apex"] not in ("", None) else None
                events.append(Event(int(s1["onset"]), apex, int(s1["offset"]), accepted[e["event_id"]], "me"))
            spans = [s for s in p["segments"] if not s["too_short"]]
            for k, seg in enumerate(spans, 1):
                cuts.append(Cut(f"{rec['recording']}_{p['person']}_{k:02d}", path, (col * tw, row * th, tw, th),
                                seg["start"], seg["end"], p["person"], tuple(events)))
    source = {"raw": str(raw), "recordings": [r["recording"] for r in recordings],
              "events": "accepted labeller events (stage-1 timing, accepted class); synthetic events are all MEs"}
    return cuts, source


def build_synthetic_long_release(raw: Path, out: Path, force: bool = False) -> dict:
    """The long-video release of a ``cmedbench synth raw`` folder; returns its manifest."""
    from .longvideo import build_long_release

    cuts, source = synthetic_cuts(raw)
    if not cuts:
        raise LongVideoError(f"{raw}: no child sits alone in a tile long enough to cut a video")
    return build_long_release(cuts, out, force, source)
