"""The interval baselines, LOSO over participants: the ROI flow spotter (``roi_spotter``: its window,
regions, threshold and interval sides chosen on the training participants only), the first flow
spotter (central-square flow, p chosen on the training participants; kept to show what the ROIs
bring), each labelling every interval with the training participants' majority class on
Spot-then-Recognize, each followed by the lbptop-svm recognition model (STR only), and two floors (no
intervals; random intervals at the training rate and length). Each writes ``OUT/<model>/<task>/`` predictions.csv,
submission.json and metrics.json, like the clip baselines."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import numpy as np

from ..atomic import staged_dir, write_text
from .benchmark import load_spotting_bench
from .evaluator import IntervalEvaluator
from .recognize import recognise
from .roi import cut_face, normalise, read_grey, roi_motion
from .roi_spotter import fit_over_windows, window_candidates
from .roi_spotter import spots_table as roi_spots_table
from .signal import central_squares, motion_signal
from .spotter import choose_p, spots_table
from .tasks import SPOTTING_TASKS
from .timeline import plot_timeline

MODELS = {
    "roi-flow-spotter": ("ROI optical flow (dlib landmarks: brows, mouth corners, lips, cheeks) of frame t against "
                         "t - k, head motion (affine fit) removed; k, regions, threshold and interval sides chosen on "
                         "the training participants (pooled F1); STR: the training participants' majority class",
                         "measured"),
    "roi-flow-spotter+lbptop-svm": ("the ROI flow spotter's intervals, classified by the lbptop-svm model (LBP-TOP, "
                                    "linear SVM) trained on the training participants' true events", "measured"),
    "flow-spotter": ("Farneback feature-difference motion peaks; p of T = mean + p(max - mean) chosen on the "
                     "training participants (pooled F1); STR: the training participants' majority class", "measured"),
    "flow-spotter+lbptop-svm": ("the flow spotter's intervals, classified by the lbptop-svm model (LBP-TOP, "
                                "linear SVM) trained on the training participants' true events", "measured"),
    "no-intervals": ("floor: spots nothing", "floor"),
    "random-intervals": ("floor: uniform random intervals at the training participants' events per frame and "
                         "median length; STR: their majority class", "floor"),
}


def video_paths(release: Path) -> dict[str, str]:
    """video_id -> its path in the release (a video file or a frame list), from videos.csv."""
    try:
        with open(Path(release) / "videos.csv", newline="", encoding="utf-8") as fh:
            return {row["video_id"]: row["path"] for row in csv.DictReader(fh)}
    except (OSError, KeyError):
        return {}


def read_videos(release: Path, video_ids, windows) -> tuple[dict[int, np.ndarray], dict, list[str]]:
    """Per video (int code): the central grey square at 64 px (frames x 64 x 64) and, for every window
    k, the normalised ROI motion (k -> code -> frames x ROIs); and the videos whose face dlib did not
    detect. One video's face frames are held at a time."""
    from ..console import track

    squares: dict[int, np.ndarray] = {}
    z_of_k: dict[int, dict[int, np.ndarray]] = {k: {} for k in windows}
    undetected: list[str] = []
    paths = video_paths(release)
    for i, v in track(list(enumerate(video_ids)), len(video_ids), "reading videos, ROI flow"):
        path = Path(release) / paths.get(v, f"videos/{v}.mp4")
        grey = read_grey(path)
        squares[i] = central_squares(grey)
        face = cut_face(grey, str(path))
        if not face.detected:
            undetected.append(str(v))
        for k in windows:
            z_of_k[k][i] = normalise(roi_motion(face, k), k)
    return squares, z_of_k, undetected


def random_spots(n_frames: int, rate: float, length: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Non-overlapping random intervals: Poisson(rate x frames) starts, each ``length`` frames."""
    count = int(rng.poisson(rate * n_frames))
    starts = np.sort(rng.integers(0, max(n_frames - length, 1), count)) if count else []
    out: list[tuple[int, int]] = []
    for s in starts:
        s = int(s)
        if out and s <= out[-1][1]:
            continue
        out.append((s, min(s + length - 1, n_frames - 1)))
    return out


STR_ONLY = ("flow-spotter+lbptop-svm", "roi-flow-spotter+lbptop-svm")


def all_windows(bench) -> list[int]:
    """Every window k some fold's training participants propose (``roi_spotter.window_candidates``)."""
    folds = sorted(set(bench.folds.tolist()))
    return sorted({k for f in folds for k in window_candidates(bench.truth, np.flatnonzero(bench.folds != f))})


def _recognised(bench, frames, train_events, spotted, seed) -> list[str]:
    return recognise(frames, train_events, spotted, bench.task.labels, seed) if train_events else []


def _predictions(bench, frames, signals, z_of_k, k, seed, iou_threshold) -> tuple[dict[str, list], dict, dict]:
    """model -> rows (video_id, onset, offset, label, score), the first spotter's p per fold and the ROI
    spotter's settings per fold."""
    rows: dict[str, list] = {m: [] for m in MODELS}
    p_of_fold, roi_of_fold = {}, {}
    truth = bench.truth
    for fold in sorted(set(bench.folds.tolist())):
        test = np.flatnonzero(bench.folds == fold).tolist()
        train = np.flatnonzero(bench.folds != fold).tolist()
        t_train = np.isin(truth["video"], train)
        labels = Counter(truth["label"][t_train].tolist())
        majority = sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if labels else ""
        p = choose_p(signals, truth, train, k, bench.fps, iou_threshold)
        p_of_fold[fold] = p
        s = spots_table(signals, test, p, k)
        for v, on, off, sc in zip(s["video"], s["onset"], s["offset"], s["score"]):
            rows["flow-spotter"].append((bench.video_ids[v], int(on), int(off), majority, round(float(sc), 6)))
        spotter, train_f1 = fit_over_windows(z_of_k, truth, train, bench.fps, iou_threshold)
        roi_of_fold[fold] = dict(spotter.as_dict(), train_f1=round(train_f1, 6))
        r = roi_spots_table(spotter, z_of_k[spotter.k], test)
        for v, on, off, sc in zip(r["video"], r["onset"], r["offset"], r["score"]):
            rows["roi-flow-spotter"].append((bench.video_ids[v], int(on), int(off), majority, round(float(sc), 6)))
        if bench.task.labelled:
            train_events = list(zip(truth["video"][t_train].tolist(), truth["onset"][t_train].tolist(),
                                    truth["offset"][t_train].tolist(), truth["label"][t_train].tolist()))
            for model, table in (("flow-spotter+lbptop-svm", s), ("roi-flow-spotter+lbptop-svm", r)):
                spotted = list(zip(table["video"].tolist(), table["onset"].tolist(), table["offset"].tolist()))
                classes = _recognised(bench, frames, train_events, spotted, seed)
                for (v, on, off), label, sc in zip(spotted, classes, table["score"]):
                    rows[model].append((bench.video_ids[v], on, off, label, round(float(sc), 6)))
        lengths = (truth["offset"] - truth["onset"] + 1)[t_train]
        rate = float(t_train.sum() / max(bench.n_frames[train].sum(), 1))
        length = int(np.median(lengths)) if len(lengths) else k
        rng = np.random.default_rng([seed, sorted(set(bench.folds.tolist())).index(fold)])
        for v in test:
            for on, off in random_spots(int(bench.n_frames[v]), rate, length, rng):
                rows["random-intervals"].append((bench.video_ids[v], on, off, majority, ""))
    return rows, p_of_fold, roi_of_fold


def _csv(rows, labelled: bool) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["video_id", "onset", "offset"] + (["label"] if labelled else []) + ["score"])
    for vid, on, off, label, score in sorted(rows, key=lambda r: (r[0], r[1])):
        w.writerow([vid, on, off] + ([label] if labelled else []) + [score])
    return buf.getvalue().encode()


def _timelines(folder: Path, bench, z_of_k, roi_of_fold, rows, n_plots: int) -> None:
    """``folder/<video_id>.png`` for the first ``n_plots`` videos: the ROI spotter's signal, threshold and
    intervals with its fold's settings."""
    from .roi_spotter import RoiSpotter

    folder.mkdir()
    for i, vid in enumerate(bench.video_ids[:n_plots].tolist()):
        settings = {key: v for key, v in roi_of_fold[bench.folds[i]].items() if key not in ("train_f1", "roi_names")}
        spotter = RoiSpotter(**dict(settings, rois=tuple(settings["rois"])))
        s = spotter.signal(z_of_k[spotter.k][i])
        spotted = [(r[1], r[2]) for r in rows if r[0] == vid]
        m = bench.truth["video"] == i
        truths = list(zip(bench.truth["onset"][m].tolist(), bench.truth["offset"][m].tolist()))
        plot_timeline(folder / f"{vid}.png", s, spotter.threshold, spotted, truths,
                      f"{vid} (participant {bench.participants[i]}; k = {spotter.k}, threshold {spotter.threshold:g}, "
                      f"{len(spotter.rois)} ROI(s), chosen on the other participants)")


def run_spotting_baselines(release: Path, bench_dir: Path, out: Path, protocol: str = "loso", k: int = 5,
                           seed: int = 0, iou_threshold: float = 0.5, n_plots: int = 3, force: bool = False) -> dict:
    """Every model x interval task into ``out/<model>/<task>/`` and the timelines of the first
    ``n_plots`` videos into ``out/timelines/`` (built aside, swapped in); returns {model: {task: result}}."""
    summary: dict = {}
    signals = frames = z_of_k = None
    undetected: list[str] = []
    with staged_dir(out, force) as tmp:
        for task in SPOTTING_TASKS.values():
            bench = load_spotting_bench(bench_dir, task.name, protocol)
            if signals is None:
                frames, z_of_k, undetected = read_videos(release, bench.video_ids, all_windows(bench))
                signals = {i: motion_signal(f, k) for i, f in frames.items()}
            rows, p_of_fold, roi_of_fold = _predictions(bench, frames, signals, z_of_k, k, seed, iou_threshold)
            ev = IntervalEvaluator(task.name, protocol, bench_dir, threshold=iou_threshold)
            for model, (description, kind) in MODELS.items():
                if model in STR_ONLY and not task.labelled:
                    continue
                folder = tmp / model / task.name
                folder.mkdir(parents=True)
                data = _csv(rows[model], task.labelled)
                (folder / "predictions.csv").write_bytes(data)
                result = ev.eval(data)
                meta = {"model": model, "description": description, "kind": kind,
                        "selection": "inner-validation" if kind == "measured" else "fixed-epochs",
                        "seeds": [seed], "task": task.name, "protocol": protocol}
                if model == "flow-spotter":
                    meta["p_per_fold"] = {f: float(p) for f, p in p_of_fold.items()}
                if model == "roi-flow-spotter":
                    meta["settings_per_fold"] = roi_of_fold
                    meta["videos_without_a_detected_face"] = undetected  # landmarks fitted to the central square
                write_text(folder / "submission.json", json.dumps(meta, indent=1, sort_keys=True) + "\n")
                write_text(folder / "metrics.json", json.dumps(result, indent=1, sort_keys=True) + "\n")
                summary.setdefault(model, {})[task.name] = result
            if not task.labelled:
                _timelines(tmp / "timelines", bench, z_of_k, roi_of_fold, rows["roi-flow-spotter"], n_plots)
    return summary
