"""One name per baseline: the registry, the DVC stages, params.yaml and the CLI agree."""

from pathlib import Path

import yaml

from cmedbench.baselines.registry import BASELINES
from cmedbench.bench.tasks import tasks

ROOT = Path(__file__).resolve().parents[2]


def test_dvc_stages_are_the_registry():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    baseline_stages = {name for name, st in stages.items() if "cmedbench baseline " in st.get("cmd", "")}
    assert baseline_stages == set(BASELINES)
    for name, spec in BASELINES.items():
        st = stages[name]
        assert st["matrix"]["task"] == list(tasks()), name
        assert st["cmd"].split()[:3] == ["cmedbench", "baseline", name]
        assert set(st["params"]) == {"baselines"} | ({spec.section} if spec.section else set()), name
        feature_deps = {d for d in st["deps"] if d.startswith("data/features/")}
        assert feature_deps == ({spec.features} if spec.features else set()), name
        assert {"cmedbench/baselines", "cmedbench/bench", "data/splits"} <= set(st["deps"])
        outs = [next(iter(o)) if isinstance(o, dict) else o for o in st["outs"] + st["metrics"] + st["plots"]]
        assert all(o.startswith(f"results/{name}/${{item.task}}/") for o in outs), name
        assert not any(o.endswith("timing.json") for o in outs)
    assert {f"results/{name}" for name in BASELINES} <= set(stages["leaderboard"]["deps"])


def test_params_yaml_has_a_section_per_tunable_baseline_and_nothing_else():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for name, spec in BASELINES.items():
        if spec.section:
            assert params[name]["preset"] == "default"
            assert all(v is None for k, v in params[name].items() if k != "preset"), "params.yaml overrides a preset"
        else:
            assert name not in params
    assert "vgg" not in params and "svm" not in params


def test_cli_choices_are_the_registry():
    from cmedbench.cli import main

    name_arg = next(p for p in main.commands["baseline"].params if p.name == "name")
    assert list(name_arg.type.choices) == list(BASELINES)


def test_timing_file_is_ignored_by_git_and_dvc():
    assert "/results/*/*/timing.json" in (ROOT / ".gitignore").read_text().splitlines()
    assert "results/*/*/timing.json" in (ROOT / ".dvcignore").read_text().splitlines()
