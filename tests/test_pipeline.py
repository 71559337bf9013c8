"""The DVC pipeline in a temp copy on a tiny synthetic release: complete, idempotent, param-isolated,
and its data survives a push / pull round trip through a local remote."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def dvc(*args, cwd):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", DVC_NO_ANALYTICS="1")
    r = subprocess.run([str(BIN / "dvc"), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, f"dvc {' '.join(args)}\n{r.stdout}\n{r.stderr}"
    return r.stdout


@pytest.mark.slow
def test_pipeline_repro_is_complete_idempotent_and_isolated(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for name in ("dvc.yaml", "synthetic/dvc.yaml", "params.yaml", ".dvcignore", "curation/decisions.csv",
                 "curation/roster_edits.csv"):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, work / name)
    shutil.copytree(ROOT / "cmedbench", work / "cmedbench", ignore=shutil.ignore_patterns("__pycache__"))
    params = yaml.safe_load((work / "params.yaml").read_text())
    params["synth"].update(subjects=3, scale=0.02, max_emotion_frames=16, max_no_me_frames=16)
    params["raw"]["seconds"] = 24
    params["spotting"].update(recordings=1, seconds=20, children=4)
    params["vgg16"]["epochs"] = 1
    params["dgcnn"]["epochs"] = 2
    params["ststnet"]["epochs"] = 2
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    dvc("init", "-q", cwd=work)
    for name in (".gitignore", ".dvcignore"):
        shutil.copy(ROOT / name, work / name)

    first = dvc("repro", cwd=work)
    ran = [line.split("'")[1] for line in first.splitlines() if line.startswith("Running stage")]
    assert ran.index("synthetic/dvc.yaml:synth_release") < ran.index("validate") < ran.index("splits")
    assert "index" not in ran  # validate writes the sample table
    for out in ("leaderboard/LEADERBOARD.md", "data/curated/release/video_emotion_metadata.csv",
                "reports/curated_validation.json", "results/dgcnn/emotion-3/metrics.json",
                "results/lbptop-svm/me-spotting/predictions.csv", "results/majority/emotion-6/confusion.csv",
                "data/index/samples.csv", "data/splits/manifest.json", "data/features/landmarks.npz",
                "data/features/lbptop.npz", "data/features/apex.npz", "data/features/flow.npz",
                "data/features/graphs.pt", "reports/deflection.png", "reports/validation.json",
                "data/segments/segments.csv", "results/spotting/flow-spotter/me-spotting-long/metrics.json",
                "reports/spotting_records.tsv"):
        assert (work / out).exists(), out
    assert "up to date" in dvc("status", cwd=work)
    second = dvc("repro", cwd=work)
    assert "Running stage" not in second
    assert len(list((work / "leaderboard" / "records").glob("*.json"))) == 18 + 10  # clip + interval records

    # an experiment with one parameter changed re-runs that baseline only, and is comparable
    subprocess.run(["git", "add", "-A"], cwd=work, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"], cwd=work,
                   check=True)

    # a rerun that changes nothing leaves git clean: runtimes go to the untracked timing.json
    dvc("repro", "--single-item", "--force", "dgcnn@emotion-3", cwd=work)
    assert (work / "results/dgcnn/emotion-3/timing.json").is_file()
    git_status = subprocess.run(["git", "status", "--porcelain"], cwd=work, capture_output=True, text=True)
    assert git_status.stdout == "", git_status.stdout
    assert "up to date" in dvc("status", cwd=work)
    exp = dvc("exp", "run", "-S", "dgcnn.k=10", cwd=work)
    ran = {line.split("'")[1].split("@")[0] for line in exp.splitlines() if line.startswith("Running stage")}
    assert ran <= {"check_params", "dgcnn", "leaderboard"} and "dgcnn" in ran, exp
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", COLUMNS="200")
    table = subprocess.run([str(BIN / "cmedbench"), "experiments", "--baseline", "dgcnn", "--task", "emotion-3"],
                           cwd=work, capture_output=True, text=True, env=env)
    assert table.returncode == 0, table.stderr
    assert "dgcnn.k=10" in table.stdout and "dgcnn.k=20" in table.stdout, table.stdout

    params = yaml.safe_load((work / "params.yaml").read_text())  # as the experiment left it
    params["lbptop"]["radius"] = 2
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = dvc("status", cwd=work)
    changed = [line.rstrip(":") for line in status.splitlines() if line and not line.startswith((" ", "\t"))]
    assert sorted(changed) == ["check_params", "lbptop"], status  # the check re-runs, its stamp does not change

    remote = tmp_path / "remote"
    dvc("remote", "add", "-d", "local", str(remote), cwd=work)
    dvc("push", cwd=work)
    before = (work / "data/features/landmarks.npz").read_bytes()
    shutil.rmtree(work / ".dvc" / "cache")
    shutil.rmtree(work / "data" / "features")
    dvc("pull", cwd=work)
    assert (work / "data/features/landmarks.npz").read_bytes() == before
