"""``cmedbench synth raw``: Zoom-style gallery recordings and the three labellers' files, with their truth.

What the paper's raw material looks like (Section III-A, B, D): 25 fps screen recordings of a video
call, a grid of tiles with several children and an adult facilitator who leave and come back, tiles
with the camera off, siblings sharing a tile, and screen-share spans where the facilitator's slide fills
the frame with the active speaker (the facilitator) in a strip beside it (``share_owner``).
Labelling then has three stages: labeller A marks onset/apex/offset and class (No-ME spans too);
labeller B classifies each cut blind; B re-classifies the disagreements, not told which label was
whose; an event is accepted when B agrees with A at stage 2 or 3.

Everything is recorded in ``manifest.json``: who is in which tile when, the share spans, the segments
a correct splitter must find, every event and the decision the paper's rules give for it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ..atomic import staged_dir, write_text
from ..curation.reconcile import LABELLER_COLUMNS
from ..release.labels import EMOTIONS, NO_ME
from .clip import FrameRenderer, jpeg
from .synth_config import RawConfig, SynthConfigError
from .expressions import EMOTION_AUS, FPS, blink_profile, me_profile, smooth_noise
from .face import SIZE, draw_identity, make_subject

# Class mix of the ME events: Table II's emotion shares, with No-ME spans as common as MEs.
EVENT_CLASSES = {"happiness": 4855, "surprise": 351, "anger": 114, "disgust": 105, "sadness": 42, "fear": 19}


def _slide(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    import cv2

    img = np.full((h, w, 3), 245, np.uint8)
    cv2.rectangle(img, (0, 0), (w, h // 7), tuple(int(v) for v in rng.integers(60, 200, 3)), -1)
    cv2.putText(img, "Today's activity", (40, h // 10), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (255, 255, 255), 3)
    for k in range(5):
        y = h // 4 + k * h // 9
        cv2.putText(img, f"- step {k + 1}: draw, share and talk", (60, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (40, 40, 40), 2)
    for _ in range(3):
        c = tuple(int(v) for v in rng.integers(0, 255, 3))
        x, y = int(rng.integers(w // 2, w - 150)), int(rng.integers(h // 3, h - 150))
        cv2.rectangle(img, (x, y), (x + 120, y + 90), c, -1)
    return img


def _spans_minus(spans: list[tuple[int, int]], cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Half-open spans with the cut spans removed."""
    out = []
    for a, b in spans:
        pieces = [(a, b)]
        for c, d in cuts:
            nxt = []
            for x, y in pieces:
                if d <= x or c >= y:
                    nxt.append((x, y))
                else:
                    if x < c:
                        nxt.append((x, c))
                    if d < y:
                        nxt.append((d, y))
            pieces = nxt
        out += [p for p in pieces if p[1] > p[0]]
    return out


def plan_recording(index: int, cfg: RawConfig, children: list[str], rng: np.random.Generator) -> dict:
    """Tiles, presence spans, share spans and ME events of one recording (recording frame numbers)."""
    n = int(round(cfg.seconds * FPS))
    tiles = [(r, c) for r in range(cfg.grid) for c in range(cfg.grid)]
    shares = []
    for k in range(cfg.share_spans):
        length = int(rng.integers(4 * FPS, 8 * FPS))
        lo = int(n * (k + 0.35) / (cfg.share_spans + 0.5))
        start = int(rng.integers(lo, lo + FPS * 3))
        shares.append((start, min(start + length, n)))
    people = []
    # tile 0: the facilitator, all the time; the last tile: camera off; one tile shared by two siblings
    people.append({"person": f"facilitator_{index:02d}", "role": "facilitator", "tile": list(tiles[0]),
                   "slot": "full", "present": [(0, n)]})
    free = tiles[1:-1] if cfg.grid * cfg.grid > 3 else tiles[1:]
    queue = list(children)
    for t_i, tile in enumerate(free):
        if not queue:
            break
        shared = t_i == len(free) - 1 and len(queue) >= 2
        occupants = [queue.pop(0), queue.pop(0)] if shared else [queue.pop(0)]
        for slot, child in zip(("left", "right") if shared else ("full",), occupants):
            present = [(0, n)]
            first_full = not shared and not any(q["role"] == "child" and q["slot"] == "full" for q in people)
            if not shared and (first_full or rng.random() < 0.5):  # leaves and comes back after 3-6 s
                gap_start = int(rng.integers(n // 3, 2 * n // 3))
                present = [(0, gap_start), (gap_start + int(rng.integers(3 * FPS, 6 * FPS)), n)]
            people.append({"person": child, "role": "child", "tile": list(tile), "slot": slot, "present": present})
    for p in people:
        visible = _spans_minus(p["present"], shares)
        p["segments"] = [{"start": a, "end": b, "too_short": (b - a) < 3 * FPS,
                          "flags": (["facilitator"] if p["role"] == "facilitator" else [])
                          + (["shared_tile"] if p["slot"] != "full" else [])} for a, b in visible]
    events = []
    for p in people:
        if p["role"] != "child" or p["slot"] != "full":  # shared tiles are excluded by the paper's rule 3
            continue
        tw, th = cfg.width // cfg.grid, cfg.height // cfg.grid
        centre = [int((p["tile"][1] + 0.5) * tw), int((p["tile"][0] + 0.5) * th)]  # where a labeller points
        for seg in p["segments"]:
            if seg["too_short"]:
                continue
            t = seg["start"] + int(rng.integers(FPS, 2 * FPS))
            while t < seg["end"] - 2 * FPS:
                if rng.random() < 0.5:
                    cls = str(rng.choice(list(EVENT_CLASSES), p=np.array(list(EVENT_CLASSES.values())) /
                                         sum(EVENT_CLASSES.values())))
                    combos = EMOTION_AUS[cls]
                    aus = combos[int(rng.integers(len(combos)))]
                    prof, on, ap, off = me_profile(24, rng)
                    onset, apex, offset = t + on, t + ap, t + off
                    events.append({"person": p["person"], "tile": p["tile"], "xy": centre, "class": cls, "onset": onset,
                                   "apex": apex, "offset": offset, "aus": list(aus),
                                   "intensities": [round(float(x), 4) for x in rng.uniform(0.6, 1.0, len(aus))]})
                    t = offset + int(rng.integers(FPS, 3 * FPS))
                else:
                    length = int(rng.integers(FPS, 3 * FPS))
                    events.append({"person": p["person"], "tile": p["tile"], "xy": centre, "class": NO_ME, "onset": t,
                                   "apex": None, "offset": min(t + length, seg["end"] - 1), "aus": [],
                                   "intensities": []})
                    t += length + int(rng.integers(FPS, 3 * FPS))
    # the facilitator shares; the share is recorded with the active speaker (the owner, talking) beside it
    return {"recording": f"rec_{index:02d}", "n_frames": n, "fps": FPS, "size": [cfg.width, cfg.height],
            "grid": cfg.grid, "shares": [list(s) for s in shares],
            "share_owner": people[0]["person"] if shares else None, "black_tiles": [list(tiles[-1])]
            if cfg.grid * cfg.grid > 3 else [], "people": people, "events": events}


def label_events(events: list[dict], cfg: RawConfig, rng: np.random.Generator) -> tuple[list, list, list, list]:
    """Three labelling stages with realistic disagreement; returns (stage1, stage2, stage3, decisions)."""
    classes = list(EMOTIONS) + [NO_ME]

    def other(c):
        return str(rng.choice([x for x in classes if x != c]))

    s1, s2, s3, decisions = [], [], [], []
    for e in events:
        truth = e["class"]
        a = truth if rng.random() >= cfg.labeller_a_error else other(truth)
        b = truth if rng.random() >= cfg.labeller_b_error else other(truth)
        jitter = rng.integers(-1, 2, size=2)
        s1.append({"event_id": e["event_id"], "recording": e["recording"], "subject": e["person"],
                   "x": e["xy"][0], "y": e["xy"][1], "onset": int(e["onset"] + jitter[0]),
                   "apex": None if a == NO_ME else int(e["apex"] if e["apex"] is not None else
                                                        (e["onset"] + e["offset"]) // 2),
                   "offset": int(e["offset"] + jitter[1]), "class": a})
        s2.append({"event_id": e["event_id"], "class": b})
        decision = {"event_id": e["event_id"], "truth": truth, "stage1": a, "stage2": b, "stage3": None}
        if a == b:
            decision.update(accepted=True, label=a, reason="stage 2 agrees with stage 1")
        else:
            c = truth if rng.random() < cfg.labeller_b_recovery else str(rng.choice([a, b, other(a)]))
            s3.append({"event_id": e["event_id"], "class": c})
            decision["stage3"] = c
            if c == a:
                decision.update(accepted=True, label=a, reason="stage 3 re-verification matches stage 1")
            else:
                decision.update(accepted=False, label=None, reason="stage 3 does not match stage 1")
        decisions.append(decision)
    return s1, s2, s3, decisions


TILE_GAP = 6  # px of plain background between two tiles, as in Zoom's gallery view


def _place(canvas, img, x0, y0, w, h):
    import cv2

    canvas[y0:y0 + h, x0:x0 + w] = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


def render_recording(path: Path, plan: dict, cfg: RawConfig, seed: int) -> None:
    """Draw every frame of the gallery view and encode it (mp4v, 25 fps)."""
    import cv2

    n, g = plan["n_frames"], plan["grid"]
    tw, th = cfg.width // g, cfg.height // g
    rng = np.random.default_rng(seed)
    slide = _slide(cfg.width, cfg.height, rng)
    people = []
    for p in plan["people"]:
        s_seed = int.from_bytes(p["person"].encode(), "little") % (2**31) + cfg.seed * 7919
        ident = draw_identity(np.random.default_rng(s_seed))
        if p["role"] == "facilitator":  # adult proportions
            ident = replace(ident, eye_size=1.0, forehead=0.0, jaw_length=1.02, scale=0.95)
        subject = make_subject(ident, s_seed)
        r = FrameRenderer(subject, 1.5, s_seed + 1)
        prng = np.random.default_rng(s_seed + 2)
        blink, _ = blink_profile(n, prng)
        motion = np.column_stack([smooth_noise(n, prng, 1.5), smooth_noise(n, prng, 2.5), smooth_noise(n, prng, 2.0),
                                  1 + smooth_noise(n, prng, 0.01)])
        talk = np.zeros(n)
        if p["role"] == "facilitator":
            # the adult leading the session talks, with a wider jaw movement than the subtle AUs
            talk = 2.0 * np.clip(0.5 + 0.5 * np.sin(2 * np.pi * 4 / FPS * np.arange(n)), 0, 1)
        present = np.zeros(n, bool)
        for a, b in p["present"]:
            present[a:b] = True
        evs = []
        for e in plan["events"]:
            if e["person"] == p["person"] and e["class"] != NO_ME:
                prof = np.zeros(n)
                on, ap, off = e["onset"], e["apex"], e["offset"]
                t = np.arange(on, off + 1)
                up = np.clip((t - on) / max(ap - on, 1), 0, 1)
                down = np.clip((off - t) / max(off - ap, 1), 0, 1)
                prof[on:off + 1] = np.where(t <= ap, 0.5 - 0.5 * np.cos(np.pi * up), 0.5 - 0.5 * np.cos(np.pi * down))
                evs.append((prof, r.field(dict(zip(e["aus"], e["intensities"])))))
        bg = tuple(int(v * 255) for v in subject.identity.background[::-1])
        people.append((p, r, blink, motion, talk, present, evs, bg))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (cfg.width, cfg.height))
    shares = plan["shares"]
    owner = next((q for q in people if q[0]["person"] == plan.get("share_owner")), None)
    if owner is not None:  # a renderer of its own: the owner's tile frames stay as they were without the strip
        owner = (owner[0], copy.copy(owner[1]), *owner[2:])
    try:
        for i in range(n):
            if any(a <= i < b for a, b in shares):
                writer.write(slide if owner is None else _share_with_speaker(slide, owner, i))
                continue
            canvas = np.full((cfg.height, cfg.width, 3), 30, np.uint8)
            for (row, col) in plan["black_tiles"]:
                cv2.putText(canvas, "Camera off", (col * tw + tw // 3, row * th + th // 2), cv2.FONT_HERSHEY_SIMPLEX,
                            0.8, (200, 200, 200), 2)
            for p, r, blink, motion, talk, present, evs, bg in people:
                row, col = p["tile"]
                x0, y0 = col * tw, row * th
                if not present[i]:
                    if p["slot"] == "full":
                        cv2.putText(canvas, p["person"], (x0 + tw // 3, y0 + th // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                                    (200, 200, 200), 2)
                    continue
                field = np.zeros((SIZE, SIZE, 2), np.float32)
                for prof, f in evs:
                    if prof[i]:
                        field += np.float32(prof[i]) * f
                face = r.frame(field, blink[i], talk[i], motion[i], 1.0)
                if p["slot"] == "full":
                    canvas[y0:y0 + th, x0:x0 + tw] = bg
                    side = th
                    _place(canvas, face, x0 + (tw - side) // 2, y0, side, side)
                else:
                    if p["slot"] == "left":
                        canvas[y0:y0 + th, x0:x0 + tw] = bg
                    side = int(th * 0.75)  # siblings sit shoulder to shoulder
                    xs = x0 + tw // 2 - side // 2 + int((0.42 if p["slot"] == "right" else -0.42) * side)
                    _place(canvas, face, xs, y0 + (th - side) // 2, side, side)
            cv2.rectangle(canvas, (0, 0), (cfg.width - 1, cfg.height - 1), (30, 30, 30), 2)
            for k in range(1, g):  # Zoom's plain gaps between tiles
                canvas[:, k * tw - TILE_GAP // 2:k * tw + TILE_GAP // 2] = 30
                canvas[k * th - TILE_GAP // 2:k * th + TILE_GAP // 2, :] = 30
            writer.write(jpeg(canvas, 70))
    finally:
        writer.release()


def _share_with_speaker(slide: np.ndarray, owner: tuple, i: int) -> np.ndarray:
    """A share recorded as Zoom's "shared screen with speaker view" does it: the slide, and the active
    speaker's video (the owner, talking over the slide) in a strip beside it."""
    import cv2

    p, r, blink, motion, talk, present, evs, bg = owner
    h, w = slide.shape[:2]
    strip = w // SPEAKER_STRIP
    frame = np.full_like(slide, 30)
    frame[:, :w - strip] = cv2.resize(slide, (w - strip, h), interpolation=cv2.INTER_AREA)
    side = strip - 16
    frame[8:8 + side, w - strip + 8:w - 8] = bg
    face = r.frame(np.zeros((SIZE, SIZE, 2), np.float32), blink[i], talk[i], motion[i], 1.0)
    _place(frame, face, w - strip + 8, 8, side, side)
    return frame


SPEAKER_STRIP = 5  # the speaker's strip beside a share: this fraction (1/5) of the frame's width

MIN_SECONDS = 20  # a recording shorter than this leaves too little once segments under 3 s are dropped


def check_raw_config(cfg: RawConfig) -> None:
    """Refuse a gallery that cannot be drawn, naming the field at fault."""
    if cfg.grid not in (2, 3):
        raise SynthConfigError("grid", f"the gallery grid must be 2 (2x2 tiles) or 3 (3x3 tiles), not {cfg.grid}")
    if cfg.seconds < MIN_SECONDS:
        raise SynthConfigError("seconds", f"a recording must last at least {MIN_SECONDS} seconds (segments "
                                          f"shorter than 3 s are dropped), not {cfg.seconds:g}")
    max_children = cfg.grid * cfg.grid - 2 + 1  # tile 0 facilitator, last tile camera off, one shared tile
    if not 1 <= cfg.children <= max_children:
        raise SynthConfigError("children", f"a {cfg.grid}x{cfg.grid} gallery seats 1 to {max_children} children "
                                           f"(the facilitator has a tile, one tile has its camera off, two "
                                           f"siblings share one), not {cfg.children}")


def synth_raw(out: Path, cfg: RawConfig = RawConfig(), force: bool = False) -> Path:
    """Plan, render and label ``cfg.recordings`` gallery recordings into ``out`` (built aside, swapped in)."""
    check_raw_config(cfg)
    with staged_dir(out, force) as tmp:
        rng = np.random.default_rng(cfg.seed)
        kids = [f"sub_{i:02d}" for i in range(1, cfg.children + 1)]
        recordings, all_events = [], []
        (tmp / "recordings").mkdir()
        for k in range(1, cfg.recordings + 1):
            order = list(rng.permutation(kids))
            plan = plan_recording(k, cfg, order, rng)
            for e in plan["events"]:
                e["recording"] = plan["recording"]
                e["event_id"] = f"ev_{len(all_events) + 1:05d}"
                all_events.append(e)
            render_recording(tmp / "recordings" / f"{plan['recording']}.mp4", plan, cfg, cfg.seed * 1000 + k)
            recordings.append(plan)
        s1, s2, s3, decisions = label_events(all_events, cfg, rng)
        (tmp / "labels").mkdir()
        for name, rows in (("stage1.csv", s1), ("stage2.csv", s2), ("stage3.csv", s3)):
            cols = LABELLER_COLUMNS[name]
            lines = [",".join(cols)] + [",".join("" if r[c] is None else str(r[c]) for c in cols) for r in rows]
            write_text(tmp / "labels" / name, "\n".join(lines) + "\n")
        # the manifest's config block predates `children` (its people list names every child): kept as it was
        config = {k: v for k, v in asdict(cfg).items() if k != "children"}
        manifest = {"format": "cmedbench-raw-v1", "config": config, "recordings": recordings,
                    "decisions": decisions}
        write_text(tmp / "manifest.json", json.dumps(manifest, indent=1, default=int) + "\n")
    return Path(out)
