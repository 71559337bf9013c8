"""Cost curves: each pipeline stage at several release sizes, with its time, peak memory and clips/s,
and the fitted growth of each (time ~ N^k: k = 1 is linear).

Run: .venv/bin/python benchmarks/bench_scale.py [--sizes 300,1000,3000] [--work DIR] [--json OUT]
 or: .venv/bin/python benchmarks/bench_scale.py --dvc scale [--nice 10]  (each stage of scale/dvc.yaml)
Each stage runs as its own `cmedbench` process (as DVC runs it); its peak memory is the largest summed
RSS of that process and its workers, sampled every 0.1 s. A release of N clips is rendered from Table
V's 74 subjects at scale N / 10,924 with clip lengths capped (``--max-frames``; Table IV's lengths
uncapped would take hours to render here), so decode-bound figures are for short clips. The
incremental row: a store that lacks the last 100 clips of the table is brought up to date.

``--linked 3000,10924 --linked-source DIR`` measures sizes whose rendering would not fit the time
here: a metadata-only release of that size whose every video is a hard link to a rendered clip of the
same class from DIR (a size folder of an earlier run) and whose apex frames are that clip's. Per-clip
work is that of real clips of these lengths; only rendering is skipped (and files repeat, so the
page cache serves re-reads of the same inode).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

FULL = 10924
BIN = Path(sys.executable).parent


LAST_CPU = [0.0]  # CPU seconds (user + system) of the last measured command and its reaped descendants
LAST_PSS = [0.0]  # peak proportional set size (MB) of the last measured command's process tree


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_measured(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """(seconds, peak MB of the process tree, last output line) of one command."""
    import psutil

    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
    peak, pss_peak, done = [0], [0], threading.Event()

    def pss(p) -> int:  # forked workers share their parent's pages: PSS counts a shared page once
        try:
            return p.memory_full_info().pss
        except (psutil.Error, AttributeError):
            return p.memory_info().rss

    def sample():
        root = psutil.Process(proc.pid)
        next_pss = 0.0  # PSS at most once a second: reading it walks every page table (~20% of a core at 0.1 s)
        while not done.is_set():
            try:
                tree = [p for p in (root, *root.children(recursive=True)) if p.is_running()]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree))
                if time.monotonic() >= next_pss:  # a failed sample (a process starting or ending) retries next tick
                    pss_peak[0] = max(pss_peak[0], sum(pss(p) for p in tree))
                    next_pss = time.monotonic() + 1.0
            except psutil.Error:
                pass
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - t0
    LAST_CPU[0] = _children_cpu() - cpu0
    done.set()
    thread.join()
    LAST_PSS[0] = pss_peak[0] / 2**20
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{out[-3000:]}")
    last = [line for line in out.splitlines() if line.strip()]
    return seconds, peak[0] / 2**20, last[-1] if last else ""


def stages(work: Path, n: int, workers: int, max_frames: int) -> list[tuple[str, list[str]]]:
    cm = [str(BIN / "cmedbench")]
    rel, samples, feats = work / "release", work / "samples.csv", work / "features"
    feature = cm + ["features"]
    clip = ["--samples", str(samples), "--release", str(rel), "--workers", str(workers)]
    marks = ["--landmarks", str(feats / "landmarks")]
    return [
        ("synth release", cm + ["synth", "release", str(rel), "--force", "--subjects", "74", "--scale",
                                f"{n / FULL:.6f}", "--max-emotion-frames", str(max_frames), "--max-no-me-frames",
                                str(max_frames), "--workers", str(workers)]),
        ("validate (header probes)", cm + ["validate", str(rel), "--quiet", "--samples", str(samples)]),
        ("landmarks (key frames)", feature + ["landmarks", *clip, "--out", str(feats / "landmarks")]),
        ("lbptop (key frames)", feature + ["lbptop", *clip, *marks, "--out", str(feats / "lbptop")]),
        ("apex crops", feature + ["apex", *clip, *marks, "--out", str(feats / "apex")]),
        ("optical flow", feature + ["flow", *clip, *marks, "--out", str(feats / "flow")]),
    ]


def linked_release(dest: Path, n: int, source: Path) -> None:
    """A release of ~n clips (Table V at scale n / 10,924) made of hard links to ``source``'s clips."""
    import os

    import pandas as pd

    from cmedbench.release.sample_table import read_sample_table

    rel = dest / "release"
    subprocess.run([str(BIN / "cmedbench"), "synth", "release", str(rel), "--force", "--metadata-only",
                    "--subjects", "74", "--scale", f"{n / FULL:.6f}"], check=True, capture_output=True)
    src = read_sample_table(source / "samples.csv")
    src["folder"] = src["path"].str.split("/").str[1]
    pools = {f: g.reset_index(drop=True) for f, g in src.groupby("folder")}
    meta = pd.read_csv(rel / "video_emotion_metadata.csv", dtype=str, keep_default_na=False)
    used = {f: 0 for f in pools}
    apex = []
    for subject, filename, emotion in zip(meta["subject"], meta["filename"], meta["emotion"]):
        pool = pools[emotion]
        row = pool.iloc[used[emotion] % len(pool)]
        used[emotion] += 1
        dst = rel / "FinalFullVideos_subjects" / emotion / subject / filename
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(source / "release" / row["path"], dst)
        apex.append("" if pd.isna(row["apex_frame"]) else str(int(row["apex_frame"])))
    meta["apex_frame"] = apex
    meta.to_csv(rel / "video_emotion_metadata.csv", index=False, lineterminator="\n")


def copy_landmarks(work: Path, source: Path) -> None:
    """Landmarks of a linked release without computing them: each linked video is a hard link (same
    inode, same bytes) to a source clip, whose row of the source's landmarks store it takes."""
    import os

    from cmedbench.features.store import ShardReader, ShardWriter
    from cmedbench.release.sample_table import read_sample_table

    src = read_sample_table(source / "samples.csv")
    by_inode = {os.stat(source / "release" / p).st_ino: s for s, p in zip(src["sample_id"], src["path"])}
    reader = ShardReader(source / "features" / "landmarks")
    table = read_sample_table(work / "samples.csv")
    writer = ShardWriter(work / "features" / "landmarks", {"key_frames": "int32", "points": "float32",
                                                           "status": "int8"})
    for sid, path in zip(table["sample_id"], table["path"]):
        writer.add(sid, "copied", reader.row(by_inode[os.stat(work / "release" / path).st_ino]))
    writer.close()


def incremental(work: Path, workers: int, added: int = 100) -> list[tuple[str, float, float, str]]:
    """Bring stores lacking the last ``added`` clips up to date; re-use makes the stale stores cheaply."""
    from cmedbench.release.sample_table import read_sample_table, write_sample_table

    samples, feats, inc = work / "samples.csv", work / "features", work / "incremental"
    table = read_sample_table(samples)
    fewer = work / "samples-fewer.csv"
    write_sample_table(table.iloc[:-added], fewer)
    shutil.rmtree(inc, ignore_errors=True)
    inc.mkdir()
    rows = []
    for name, extra in (("landmarks", []), ("lbptop", ["--landmarks", str(inc / "landmarks")])):
        shutil.copytree(feats / name, inc / name)
        base = [str(BIN / "cmedbench"), "features", name, "--release", str(work / "release"), "--workers",
                str(workers), "--out", str(inc / name), *extra]
        run_measured(base + ["--samples", str(fewer)])  # drops the last clips: every row re-used
        secs, mb, line = run_measured(base + ["--samples", str(samples)])
        rows.append((f"{name}: +{added} clips to {len(table) - added}", secs, mb, line))
    return rows


def dvc_stages(pipeline: Path, nice: int, json_out: str | None, only: tuple[str, ...] = ()) -> None:
    """Each stage of a DVC pipeline (e.g. scale/) by `dvc repro -s`, in dvc.yaml's order: time, peak MB.

    Two peaks: the process tree's RSS summed, and its PSS summed (forked fold workers share the stage's pages,
    which the RSS sum counts once per process; PSS counts them once).

    The peak includes `dvc` itself (~100 MB); a stage DVC finds up to date takes only that check. CPU
    seconds (user + system, the stage's processes summed) estimate the time on an idle machine when
    other jobs share it: CPU seconds / workers, if the stage keeps its workers busy.
    """
    dvc = [*(["nice", "-n", str(nice)] if nice else []), str(BIN / "dvc")]
    listing = subprocess.run([str(BIN / "dvc"), "stage", "list", "--name-only"], cwd=pipeline, check=True,
                             capture_output=True, text=True).stdout.split()
    if only:
        listing = [stage for stage in listing if stage.startswith(only)]
    env_path = f"{BIN}:{__import__('os').environ.get('PATH', '')}"
    records = []
    for stage in listing:
        secs, mb, line = run_measured(["env", f"PATH={env_path}", "DVC_NO_ANALYTICS=1", *dvc, "repro", "-s",
                                       stage], cwd=pipeline)
        records.append({"stage": stage, "seconds": round(secs, 2), "cpu_seconds": round(LAST_CPU[0], 2),
                        "peak_mb": round(mb), "peak_pss_mb": round(LAST_PSS[0]), "note": line[:160]})
        print(f"{stage:<26} {secs:8.1f} s {LAST_CPU[0]:8.1f} cpu-s {mb:7.0f} MB (PSS {LAST_PSS[0]:6.0f} MB)  "
              f"{line[:100]}", flush=True)
        if json_out:  # after every stage: a long run stopped part-way keeps what it measured
            Path(json_out).write_text(json.dumps(records, indent=1) + "\n")


def growth(ns: list[int], secs: list[float]) -> str:
    if len(ns) < 2:
        return "-"
    k = np.polyfit(np.log(ns), np.log(secs), 1)[0]
    return f"N^{k:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="300,1000,3000", help="release sizes in clips, comma-separated")
    ap.add_argument("--work", default="/tmp/cmedbench-bench-scale", help="scratch folder (one sub-folder a size)")
    ap.add_argument("--workers", type=int, default=2, help="clips (and render jobs) in parallel")
    ap.add_argument("--max-frames", type=int, default=40, help="clip length cap, both classes")
    ap.add_argument("--incremental-at", type=int, default=1000, help="size at which to time +100 clips (0: skip)")
    ap.add_argument("--linked", default="", help="sizes measured on hard-linked releases, comma-separated")
    ap.add_argument("--linked-source", help="a size folder of an earlier run whose clips the links point to")
    ap.add_argument("--copy-landmarks", action="store_true",
                    help="linked sizes: copy each clip's landmarks from the source's store instead of timing them")
    ap.add_argument("--only", default="", help="run only the stages whose names start with these, comma-separated")
    ap.add_argument("--json", help="also write every measurement here")
    ap.add_argument("--dvc", help="instead: time each stage of the DVC pipeline in this folder (e.g. scale)")
    ap.add_argument("--nice", type=int, default=0, help="--dvc: run the stages at this niceness")
    args = ap.parse_args()
    if args.dvc:
        return dvc_stages(Path(args.dvc), args.nice, args.json,
                          tuple(args.only.split(",")) if args.only else ())
    sizes = [int(s) for s in args.sizes.split(",") if s]
    linked = [int(s) for s in args.linked.split(",") if s]
    records = []
    for n in sizes + linked:
        work = Path(args.work) / (f"linked-{n}" if n in linked else str(n))
        work.mkdir(parents=True, exist_ok=True)
        todo = stages(work, n, args.workers, args.max_frames)
        if n in linked:
            shutil.rmtree(work / "features", ignore_errors=True)
            linked_release(work, n, Path(args.linked_source))
            todo = [(f"{name} [linked]", cmd) for name, cmd in todo[1:]]
        if args.only:
            keep = tuple(args.only.split(",")) + (("landmarks",) if args.copy_landmarks else ())
            todo = [(name, cmd) for name, cmd in todo if name.startswith(keep)]
        for name, cmd in todo:
            if n in linked and args.copy_landmarks and name.startswith("landmarks"):
                copy_landmarks(work, Path(args.linked_source))
                continue
            secs, mb, line = run_measured(cmd)
            records.append({"n": n, "stage": name, "seconds": round(secs, 2), "peak_mb": round(mb),
                            "clips": None, "note": line[:120]})
            print(f"{n:>6} {name:<26} {secs:8.1f} s {mb:7.0f} MB  {line[:90]}", flush=True)
        clips = len((work / "samples.csv").read_text().splitlines()) - 1
        for r in records:
            r["clips"] = clips if r["n"] == n else r["clips"]
        if n == args.incremental_at:
            for name, secs, mb, line in incremental(work, args.workers):
                records.append({"n": n, "stage": name, "seconds": round(secs, 2), "peak_mb": round(mb),
                                "clips": None, "note": line[:120]})
                print(f"{n:>6} {name:<26} {secs:8.1f} s {mb:7.0f} MB  {line[:90]}", flush=True)
    by_stage: dict[str, list[dict]] = {}
    for r in records:
        if "+" not in r["stage"]:
            by_stage.setdefault(r["stage"].replace(" [linked]", ""), []).append(r)
    print("\n| stage | clips: seconds / peak MB / clips/s, at each size | growth |")
    print("|---|---|---|")
    for stage, rs in by_stage.items():
        cells = []
        for r in rs:
            clips = r["clips"]
            mark = "*" if "[linked]" in r["stage"] else ""
            cells.append(f"{mark}{clips:,}: {r['seconds']:.1f} / {r['peak_mb']} / {clips / r['seconds']:.1f}")
        print(f"| {stage} | " + "; ".join(cells) + f" | {growth([r['clips'] for r in rs], [r['seconds'] for r in rs])} |")
    if linked:
        print("* a release of hard links to rendered clips (see --linked)")
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1) + "\n")


if __name__ == "__main__":
    main()
