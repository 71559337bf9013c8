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
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(ROOT / name, work / name)
    params = yaml.safe_load((work / "params.yaml").read_text())
    params["synth"].update(subjects=3, scale=0.02, max_emotion_frames=16, max_no_me_frames=16)
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    dvc("init", "-q", cwd=work)

    dvc("repro", cwd=work)
    for out in ("data/index/samples.csv", "data/splits/manifest.json", "data/features/landmarks.npz",
                "data/features/lbptop.npz", "data/features/apex.npz", "data/features/flow.npz",
                "data/features/graphs.pt", "reports/deflection.png", "reports/validation.json"):
        assert (work / out).exists(), out
    assert "up to date" in dvc("status", cwd=work)
    second = dvc("repro", cwd=work)
    assert "Running stage" not in second

    params["lbptop"]["radius"] = 2
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = dvc("status", cwd=work)
    changed = [line.rstrip(":") for line in status.splitlines() if line and not line.startswith((" ", "\t"))]
    assert changed == ["lbptop"], status

    remote = tmp_path / "remote"
    dvc("remote", "add", "-d", "local", str(remote), cwd=work)
    dvc("push", cwd=work)
    before = (work / "data/features/landmarks.npz").read_bytes()
    shutil.rmtree(work / ".dvc" / "cache")
    shutil.rmtree(work / "data" / "features")
    dvc("pull", cwd=work)
    assert (work / "data/features/landmarks.npz").read_bytes() == before
