"""The portable CPU profile: the same predictions when the libraries may use less of the CPU (as on
another x86 machine), one thread per fold, and a run.json that says what was in effect."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from cmedbench.baselines.determinism import (
    PORTABLE_ENV,
    ProfileError,
    nondeterministic_ops,
    pin_environment,
    provenance,
    threads_per_fold,
)
from cmedbench.baselines.results import write_results
from cmedbench.baselines.runner import RunConfig, run_baseline

SUBJECTS = [f"sub_{i:02d}" for i in range(1, 5)]
SMALLER_CPU = {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41"}
AVX2_CPU = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}

CHILD = """
import sys, numpy as np
from cmedbench.baselines.runner import RunConfig, run_baseline
ws, out, profile = sys.argv[1:4]
cfg = RunConfig(progress=False, workers=1, cpu_profile=profile)
run = run_baseline("dgcnn", "emotion-3", "loso", ws + "/splits", {"epochs": 2}, cfg, ws + "/features/graphs.pt")
np.save(out, run.probs)
print(run.provenance["cpu_capability"], run.provenance["onednn"], run.provenance["threads"])
"""


@pytest.fixture(scope="module")
def ws(tmp_path_factory, make_feature_workspace):
    counts = pd.DataFrame({"happiness": 4, "surprise": 3, "anger": 2, "disgust": 1, "sadness": 1, "no-me": 2},
                          index=SUBJECTS)
    return make_feature_workspace(tmp_path_factory.mktemp("ws"), counts)


def test_portable_runs_one_thread_per_fold_whatever_the_cores():
    assert threads_per_fold("portable", 1) == 1 and threads_per_fold("portable", 2) == 1
    assert threads_per_fold("native", 1) == (os.cpu_count() or 1)


def test_pinning_sets_the_variables_and_refuses_unknown_profiles(monkeypatch):
    for k in (*PORTABLE_ENV, "CUBLAS_WORKSPACE_CONFIG"):
        monkeypatch.delenv(k, raising=False)
    pin_environment("native", "cpu")
    assert not any(k in os.environ for k in PORTABLE_ENV)
    pin_environment("portable", "cuda")
    assert all(os.environ[k] == v for k, v in PORTABLE_ENV.items()) and "CUBLAS_WORKSPACE_CONFIG" in os.environ
    with pytest.raises(ProfileError):
        pin_environment("fast", "cpu")


def test_nondeterministic_ops_are_collected_and_other_warnings_pass_through():
    found = set()
    with warnings.catch_warnings(record=True) as outer:
        warnings.simplefilter("always")
        with nondeterministic_ops(found):
            warnings.warn("adaptive_avg_pool2d_backward_cuda does not have a deterministic implementation, but ...")
            warnings.warn("something else")
    assert found == {"adaptive_avg_pool2d_backward_cuda"}
    assert [str(w.message) for w in outer] == ["something else"]


def test_provenance_lists_folds_that_ran_differently():
    same = provenance("cpu", "portable", "fp32", [{"threads": 1}, {"threads": 1}], set())
    assert same["threads"] == 1 and "folds_differ" not in same and same["cpu_profile"] == "portable"
    mixed = provenance("cpu", "portable", "fp32", [{"threads": 1}, {"threads": 2}], {"op"})
    assert len(mixed["folds_differ"]) == 2 and mixed["nondeterministic_ops"] == ["op"]


def test_run_json_and_the_board_record_carry_the_device_and_the_determinism_settings(ws, tmp_path):
    from cmedbench.bench.leaderboard import Leaderboard

    cfg = RunConfig(progress=False, workers=1)
    run = run_baseline("ststnet", "emotion-3", "loso", ws["splits"], {"epochs": 1}, cfg, ws["features"] / "flow.npz")
    write_results(tmp_path / "results" / "ststnet" / "emotion-3", run, cfg)
    prov = json.loads((tmp_path / "results" / "ststnet" / "emotion-3" / "run.json").read_text())["provenance"]
    assert prov["device"] == "cpu" and prov["cpu_profile"] == "portable" and prov["precision"] == "fp32"
    assert prov["threads"] == 1 and prov["onednn"] is False and prov["deterministic_algorithms"] is True
    assert prov["env"]["MKL_CBWR"] == "COMPATIBLE" and prov["torch"]
    board = Leaderboard(tmp_path / "lb")
    collected = board.collect(tmp_path / "results", ws["splits"])
    assert collected.stored[0].record["provenance"] == prov
    assert board.check([ws["splits"]]).problems == []


def test_bf16_autocast_trains_on_the_cpu_and_is_recorded(ws):
    from cmedbench.baselines.training import effective_precision

    assert effective_precision("auto", "cpu") == "fp32" and effective_precision("auto", "cuda:0") == "bf16"
    cfg = RunConfig(progress=False, workers=1)
    run = run_baseline("ststnet", "emotion-3", "loso", ws["splits"], {"epochs": 1, "precision": "bf16"}, cfg,
                       ws["features"] / "flow.npz")
    assert run.provenance["precision"] == "bf16" and np.allclose(run.probs.sum(axis=1), 1.0, atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("machine", [AVX2_CPU, SMALLER_CPU], ids=["avx2-cpu", "sse4-mkl-onednn"])
def test_portable_predictions_do_not_depend_on_the_instruction_set(ws, tmp_path, machine):
    """A fresh process per emulated machine: this CPU as it is, and one whose libraries are capped."""
    if machine is SMALLER_CPU:
        machine = {**machine, "ATEN_CPU_CAPABILITY": "avx2"}  # portable needs AVX2 kernels in ATen
    probs = []
    for k, env in enumerate(({}, machine)):
        clean = {k2: v for k2, v in os.environ.items() if k2 not in SMALLER_CPU and k2 != "MKL_CBWR"}
        out = tmp_path / f"{k}.npy"
        done = subprocess.run([sys.executable, "-c", CHILD, str(ws["release"].parent), str(out), "portable"],
                              env={**clean, **env}, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[:3] == ["AVX2", "False", "1"], done.stdout
        probs.append(np.load(out))
    assert probs[0].tobytes() == probs[1].tobytes()


def test_one_fold_per_gpu_without_dask_cuda_says_what_to_install(monkeypatch):
    from cmedbench.baselines.backends import BackendUnavailable, local_cluster

    monkeypatch.setitem(sys.modules, "dask_cuda", None)  # as if not installed
    with pytest.raises(BackendUnavailable, match="dask-cuda"):
        local_cluster(2, "cuda")
