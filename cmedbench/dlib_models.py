"""dlib's face detector, 68-point shape predictor and ResNet face descriptor, loaded once per process.

The predictor ships inside the ``face-recognition-models`` package; importing that package needs
pkg_resources, so its folder is found with ``importlib.util.find_spec`` instead.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path


def landmark_model_path(name: str = "shape_predictor_68_face_landmarks.dat") -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the face-recognition-models package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise RuntimeError(f"{path} is missing from face-recognition-models")
    return path


@lru_cache(maxsize=1)
def dlib_models():
    """(HOG frontal face detector, 68-point ERT shape predictor trained on 300-W)."""
    import dlib

    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(landmark_model_path()))


@lru_cache(maxsize=1)
def face_descriptor_model():
    """dlib's ResNet face recognition model: a 128-D descriptor per face, same person below 0.6 apart."""
    import dlib

    return dlib.face_recognition_model_v1(str(landmark_model_path("dlib_face_recognition_resnet_model_v1.dat")))
