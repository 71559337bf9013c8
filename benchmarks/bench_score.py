"""Speed of `cmedbench score` against a straightforward pandas + scikit-learn scorer, same run, same file.

Run: .venv/bin/python benchmarks/bench_score.py
Prints wall times for a CMED-size (10,924 samples, me-spotting) prediction file: in-process
(validate + score) and as a whole process (start to printed result), and the ratios.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cmedbench.synth.benchmark import metadata_benchmark as make_splits

STRAIGHTFORWARD = """
import sys, pandas as pd
from sklearn.metrics import accuracy_score, f1_score, recall_score
pred = pd.read_csv(sys.argv[1]); truth = pd.read_csv(sys.argv[2]); folds = pd.read_csv(sys.argv[3])
m = folds.merge(truth, on=["sample_id", "subject"]).merge(pred, on="sample_id")
y = m["emotion"].map(lambda e: "no-me" if e == "no-me" else "me")
labels = ["me", "no-me"]
print(f1_score(y, m["prediction"], labels=labels, average="macro"),
      recall_score(y, m["prediction"], labels=labels, average="macro"), accuracy_score(y, m["prediction"]))
"""


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        splits = make_splits(d / "splits", subjects=74, scale=1.0)
        folds = (splits / "folds/me-spotting/loso.csv").read_text().splitlines()[1:]
        pred = d / "pred.csv"
        pred.write_text("sample_id,prediction\n" + "".join(f"{line.split(',')[0]},me\n" for line in folds))
        script = d / "straightforward.py"
        script.write_text(STRAIGHTFORWARD)
        args = [str(pred), str(splits / "truth.csv"), str(splits / "folds/me-spotting/loso.csv")]

        from cmedbench.bench.evaluator import Evaluator

        def ours():
            Evaluator("me-spotting", "loso", splits).eval(pred)

        def theirs():
            import pandas as pd
            from sklearn.metrics import accuracy_score, f1_score, recall_score

            p, t, f = pd.read_csv(args[0]), pd.read_csv(args[1]), pd.read_csv(args[2])
            m = f.merge(t, on=["sample_id", "subject"]).merge(p, on="sample_id")
            y = m["emotion"].map(lambda e: "no-me" if e == "no-me" else "me")
            f1_score(y, m["prediction"], labels=["me", "no-me"], average="macro")
            recall_score(y, m["prediction"], labels=["me", "no-me"], average="macro")
            accuracy_score(y, m["prediction"])

        theirs()  # warm imports, as a long-lived process would
        in_ours, in_theirs = timed(ours), timed(theirs)
        proc_ours = timed(lambda: subprocess.run([sys.executable, "-m", "cmedbench.cli", "score", str(pred),
                                                  "--task", "me-spotting", "--splits", str(splits)],
                                                 check=True, capture_output=True), 3)
        proc_theirs = timed(lambda: subprocess.run([sys.executable, str(script), *args], check=True,
                                                   capture_output=True), 3)
    print(f"{len(folds)} samples, me-spotting / loso (median wall time)")
    print(f"in-process validate+score: cmedbench {in_ours * 1000:7.1f} ms   pandas+sklearn {in_theirs * 1000:7.1f} ms"
          f"   ratio {in_theirs / in_ours:5.2f}x   (ours also validates every row and bootstraps 1000 CIs)")
    print(f"whole process:             cmedbench {proc_ours * 1000:7.1f} ms   pandas+sklearn {proc_theirs * 1000:7.1f} ms"
          f"   ratio {proc_theirs / proc_ours:5.2f}x")


if __name__ == "__main__":
    main()
