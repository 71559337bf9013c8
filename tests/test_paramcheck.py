"""params.yaml is checked before any stage runs: types, ranges and misspelt keys, each named."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from cmedbench.paramcheck import check_params

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def copy_pipeline(dest: Path, **edits) -> Path:
    """dvc.yaml, synthetic/dvc.yaml and params.yaml in ``dest``, with params edited (section -> keys)."""
    for rel in ("dvc.yaml", "synthetic/dvc.yaml"):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, dest / rel)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for section, keys in edits.items():
        params.setdefault(section, {}).update(keys)
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return dest / "params.yaml"


def test_committed_params_are_sound():
    assert check_params(ROOT / "params.yaml") == []


def test_bad_values_and_misspelt_keys_are_named(tmp_path):
    path = copy_pipeline(tmp_path, lbptop={"radius": "two"}, dgcnn={"k": "ten"},
                         landmarks={"upsampel": 1}, run={"workers": 0}, flow={"method": "lucas"})
    problems = check_params(path)
    text = "\n".join(problems)
    assert any(p.startswith("lbptop.radius:") and "'two'" in p for p in problems), text
    assert any(p.startswith("dgcnn.k:") for p in problems), text
    assert any(p.startswith("landmarks.upsampel:") and "did you mean landmarks.upsample" in p for p in problems), text
    assert any(p.startswith("run.workers:") and "range" in p for p in problems), text
    assert any(p.startswith("flow.method:") and "lucas" in p for p in problems), text
    assert len(problems) == 5, text


def test_a_renamed_baseline_section_says_its_new_name(tmp_path):
    path = copy_pipeline(tmp_path, vgg={"preset": "paper"})
    assert check_params(path) == ["vgg: the section is now called vgg16"]


def test_dvc_repro_stops_at_the_check_before_any_stage_runs(tmp_path):
    copy_pipeline(tmp_path, lbptop={"radius": "two"})
    shutil.copytree(ROOT / "cmedbench", tmp_path / "cmedbench", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", DVC_NO_ANALYTICS="1")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([str(BIN / "dvc"), "init", "-q"], cwd=tmp_path, check=True, env=env)
    r = subprocess.run([str(BIN / "dvc"), "repro"], cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode != 0
    assert "lbptop.radius: 'two' is not a valid float" in r.stdout + r.stderr
    ran = [line for line in (r.stdout + r.stderr).splitlines() if line.startswith("Running stage")]
    assert ran == ["Running stage 'check_params':"], ran
    assert not (tmp_path / "data").exists()


def test_flow_sizes_are_converted_like_the_stage_does(tmp_path):
    path = copy_pipeline(tmp_path, flow={"sizes": "28,sixty"})
    assert [p.split(":")[0] for p in check_params(path)] == ["flow.sizes"]
