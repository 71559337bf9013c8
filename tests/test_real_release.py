"""docs/real-release.md as a user follows it, on a tiny stand-in release in data/cmed of a temp repo:
`dvc add` works, the pipeline never renders the synthetic release, and stage dependencies are complete
(editing the task definitions marks `splits` changed)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PIPELINE_FILES = ("dvc.yaml", "synthetic/dvc.yaml", "params.yaml", ".gitignore", ".dvcignore")


def run(*args, cwd):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", DVC_NO_ANALYTICS="1")
    r = subprocess.run([str(BIN / args[0]) if (BIN / args[0]).exists() else args[0], *args[1:]], cwd=cwd,
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, f"{' '.join(args)}\n{r.stdout}\n{r.stderr}"
    return r.stdout + r.stderr


PLAN = """
from dvc.repo import Repo
from dvc.repo.reproduce import collect_stages, get_active_graph, plan_repro

repo = Repo(".")
stages = collect_stages(repo, ["dvc.yaml"])
print("\\n".join(s.addressing for s in plan_repro(get_active_graph(repo.index.graph), stages)))
"""


def repro_plan(work: Path) -> list[str]:
    """The stages a plain `dvc repro` would visit, in order, as DVC itself plans them (`--dry` cannot
    tell: it stops at the first stage whose input an earlier, not-run stage would make)."""
    return run(sys.executable, "-c", PLAN, cwd=work).split()


def changed_stages(status: str) -> list[str]:
    return [line.rstrip(":") for line in status.splitlines() if line and not line.startswith((" ", "\t"))]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    work = tmp_path_factory.mktemp("repo")
    for name in PIPELINE_FILES:
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, work / name)
    shutil.copytree(ROOT / "cmedbench", work / "cmedbench", ignore=shutil.ignore_patterns("__pycache__"))
    run("git", "init", "-q", cwd=work)
    run("dvc", "init", "-q", cwd=work)
    # a stand-in for the real release (it carries its own profile.yaml, so `profile: auto` checks it)
    run("cmedbench", "synth", "release", "data/cmed", "--subjects", "3", "--scale", "0.02", "--max-emotion-frames",
        "8", "--max-no-me-frames", "10", "--workers", "1", cwd=work)
    log = {"add": run("dvc", "add", "data/cmed", cwd=work), "plan_default": repro_plan(work)}
    params = yaml.safe_load((work / "params.yaml").read_text())
    params["release"]["path"] = "data/cmed"
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    log["plan"] = repro_plan(work)
    log["repro"] = run("dvc", "repro", "splits", cwd=work)
    return work, log


def test_dvc_add_tracks_the_release_in_git(repo):
    work, _ = repo
    assert (work / "data/cmed.dvc").is_file()
    ignored = subprocess.run(["git", "check-ignore", "-q", "data/cmed.dvc"], cwd=work)
    assert ignored.returncode == 1  # not ignored: the .dvc file is committed with the code
    assert subprocess.run(["git", "check-ignore", "-q", "data/cmed"], cwd=work).returncode == 0


def test_pipeline_never_renders_the_synthetic_release(repo):
    work, log = repo
    synth = "synthetic/dvc.yaml:synth_release"
    assert log["plan_default"].index(synth) < log["plan_default"].index("validate")  # the default renders first
    assert synth not in log["plan"] and {"validate", "splits", "landmarks", "leaderboard"} <= set(log["plan"])
    assert "Running stage 'validate'" in log["repro"] and "Running stage 'splits'" in log["repro"]
    assert "synth_release" not in log["repro"] and not (work / "data/synthetic").exists()
    assert (work / "data/index/samples.csv").is_file() and (work / "data/splits/manifest.json").is_file()


def test_editing_tasks_yaml_marks_splits_changed(repo):
    work, _ = repo
    assert "up to date" in run("dvc", "status", "splits", cwd=work)
    tasks = work / "cmedbench/bench/tasks.yaml"
    original = tasks.read_text()
    tasks.write_text(original + "# edited\n")
    try:
        assert "splits" in changed_stages(run("dvc", "status", "splits", cwd=work))
    finally:
        tasks.write_text(original)
