"""What each baseline reads and how big it is: a CPU-sized ``default`` preset and a ``paper`` preset.

Training cost on this 2-core CPU (measured by the brief): full VGG-16 at 224 px about 0.85 s per image
per step, so a CMED-scale LOSO run would take thousands of hours; the paper-sized DGCNN about 11 ms a
graph per step. ``paper`` presets are meant for a GPU or a cluster (``run.backend: dask``); the
``default`` presets let `make run` finish in minutes. Every record names its preset.
"""

from __future__ import annotations

BASELINES: dict[str, dict] = {
    "majority": {"section": None, "feature": None, "key": None, "title": "majority class"},
    "stratified": {"section": None, "feature": None, "key": None, "title": "stratified random"},
    "lbptop-svm": {"section": "svm", "feature": "data/features/lbptop.npz", "key": "X", "title": "LBP-TOP + SVM"},
    "vgg16": {"section": "vgg", "feature": "data/features/apex.npz", "key": "crops", "title": "VGG-16 (apex frame)"},
    "dgcnn": {"section": "dgcnn", "feature": "data/features/graphs.pt", "key": None, "title": "DGCNN (landmark graphs)"},
    "ststnet": {"section": "ststnet", "feature": "data/features/flow.npz", "key": "flow_28",
                "title": "STSTNet (optical flow)"},
}

PRESETS: dict[str, dict[str, dict]] = {
    "svm": {
        "default": {"kernel": "linear", "C": 0.01, "class_balance": "weights", "C_grid": [0.001, 0.01, 0.1, 1.0]},
        "paper": {"kernel": "linear", "C": 1.0, "class_balance": "weights", "C_grid": [0.01, 0.1, 1.0, 10.0]},
    },
    "vgg": {
        "default": {"width": 0.125, "hidden": 256, "input_size": 64, "epochs": 12, "lr": 1e-3, "batch_size": 32,
                    "weight_decay": 1e-4, "class_balance": "weights", "pretrained_weights": None},
        # the paper: ImageNet-pretrained VGG-16 on 224 px apex crops (Section IV, Fig. 7)
        "paper": {"width": 1.0, "hidden": 4096, "input_size": 224, "epochs": 20, "lr": 1e-4, "batch_size": 16,
                  "weight_decay": 1e-4, "class_balance": "weights", "pretrained_weights": None},
    },
    "dgcnn": {
        "default": {"channels": [16, 16, 16, 1], "k": 20, "conv1d": 8, "hidden": 64, "epochs": 40, "lr": 2e-3,
                    "batch_size": 32, "weight_decay": 1e-4, "class_balance": "weights"},
        "paper": {"channels": [32, 32, 64, 128], "k": 30, "conv1d": 16, "hidden": 128, "epochs": 100, "lr": 1e-3,
                  "batch_size": 32, "weight_decay": 1e-4, "class_balance": "weights"},
    },
    "ststnet": {
        "default": {"input_size": 28, "epochs": 40, "lr": 5e-4, "batch_size": 32, "weight_decay": 1e-4,
                    "class_balance": "weights"},
        "paper": {"input_size": 28, "epochs": 500, "lr": 5e-5, "batch_size": 256, "weight_decay": 0.0,
                  "class_balance": "weights"},
    },
}


def resolve(baseline: str, section_params: dict | None) -> tuple[str, dict]:
    """(preset name, effective hyper-parameters): the preset, overridden by every non-null key given."""
    spec = BASELINES[baseline]
    if spec["section"] is None:
        return "none", {}
    given = dict(section_params or {})
    preset = given.pop("preset", "default") or "default"
    presets = PRESETS[spec["section"]]
    if preset not in presets:
        raise ValueError(f"{spec['section']}.preset must be one of {', '.join(presets)}, not {preset!r}")
    effective = dict(presets[preset])
    unknown = set(given) - set(effective)
    if unknown:
        raise ValueError(f"unknown {spec['section']} parameter(s): {', '.join(sorted(unknown))}")
    effective.update({k: v for k, v in given.items() if v is not None})
    return preset, effective
