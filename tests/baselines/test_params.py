"""params.yaml sections: a preset means exactly its block, overrides are recorded, bad keys are refused
with the key named before anything runs."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cmedbench.baselines.params import (ParamsError, check_params, check_section, hints, preset_values,
                                        resolve)
from cmedbench.baselines.registry import BASELINES

PARAMS_YAML = Path(__file__).resolve().parents[2] / "params.yaml"
TUNABLE = [name for name, spec in BASELINES.items() if spec.section]


@pytest.mark.parametrize("name", TUNABLE)
def test_paper_preset_resolves_to_exactly_the_paper_block(name):
    """Issue 10's bug: params.yaml restated default values, which then overrode `preset: paper`."""
    spec = BASELINES[name]
    assert set(spec.paper) == set(hints(spec)), "the paper block must set every key, or it mixes in defaults"
    resolved = resolve(name, {"preset": "paper"})
    assert resolved.preset == "paper" and resolved.params == dict(spec.paper) and resolved.overrides == {}


@pytest.mark.parametrize("name", TUNABLE)
def test_the_shipped_params_yaml_overrides_nothing(name):
    """params.yaml lists knobs as null ("the preset's value"), so switching preset switches every value."""
    section = yaml.safe_load(PARAMS_YAML.read_text())[name]
    for preset in ("default", "paper"):
        resolved = resolve(name, dict(section, preset=preset))
        assert resolved.params == preset_values(BASELINES[name], preset) and resolved.overrides == {}


def test_an_override_is_applied_and_recorded():
    resolved = resolve("vgg16", {"preset": "paper", "epochs": 1, "lr": None})
    assert resolved.params["epochs"] == 1 and resolved.params["input_size"] == 224 and resolved.params["lr"] == 1e-4
    assert resolved.overrides == {"epochs": 1}


def test_default_preset_is_the_estimators_defaults():
    assert resolve("dgcnn", None).params["k"] == 20
    assert resolve("lbptop-svm", {}).params == {"kernel": "linear", "C": 0.01, "class_balance": "weights",
                                                 "C_grid": [0.001, 0.01, 0.1, 1.0]}
    assert resolve("majority", None).preset == "none"


@pytest.mark.parametrize("name,section,needle", [
    ("dgcnn", {"k": "ten"}, "dgcnn.k: 'ten' is not an integer"),
    ("dgcnn", {"epoch": 3}, "dgcnn.epoch is not a dgcnn parameter (did you mean epochs?)"),
    ("dgcnn", {"lr": "1e-3"}, "dgcnn.lr: '1e-3' is text, not a number"),
    ("dgcnn", {"channels": [16, 0]}, "has an item 0 that must be at least 1"),
    ("dgcnn", {"epochs": True}, "dgcnn.epochs: True is not an integer"),
    ("vgg16", {"preset": "huge"}, "vgg16.preset: 'huge' is not a preset"),
    ("vgg16", {"pretrained_weights": "missing.pth"}, "is not an existing file"),
    ("lbptop-svm", {"kernel": "poly"}, "is not one of linear, rbf"),
    ("lbptop-svm", {"C": 0}, "lbptop-svm.C: 0 must be greater than 0"),
    ("lbptop-svm", {"C_grid": []}, "must be a non-empty list"),
    ("ststnet", {"input_size": 28}, "ststnet.input_size is not a ststnet parameter"),
])
def test_bad_keys_and_values_are_named(name, section, needle):
    problems = check_section(name, section)
    assert any(needle in p for p in problems), problems
    with pytest.raises(ParamsError) as raised:
        resolve(name, section)
    assert raised.value.problems == problems


def test_check_params_looks_at_the_baseline_sections_of_a_whole_file():
    document = yaml.safe_load(PARAMS_YAML.read_text())
    assert check_params(document) == []
    document["baselines"]["selection"] = "test-fold"
    document["vgg"] = {"epochs": 1}
    document["synth"]["anything"] = 1  # not a baseline section: not looked at here
    problems = check_params(document)
    assert problems == ["baselines.selection: 'test-fold' is not one of fixed-epochs, inner-validation",
                        "vgg: the section is now called vgg16"]


def test_cli_refuses_a_bad_value_before_any_fold_runs(tmp_path):
    (tmp_path / "params.yaml").write_text("dgcnn:\n  preset: default\n  k: ten\n")
    (tmp_path / "splits").mkdir()
    r = subprocess.run([sys.executable, "-m", "cmedbench.cli", "baseline", "dgcnn", "--task", "emotion-3",
                        "--splits", "splits", "--params", "params.yaml"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 1 and "params.yaml: dgcnn.k: 'ten' is not an integer" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "results").exists()
