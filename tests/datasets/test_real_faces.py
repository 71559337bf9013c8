"""Optional: a real face (shared/realfaces, skipped when absent) as a SAMM frame folder: imported and
landmarked on its key frames like any video clip."""

from pathlib import Path

import pytest

from cmedbench.datasets.importer import import_dataset
from cmedbench.features.config import RunConfig
from cmedbench.features.stages import landmarks_stage
from cmedbench.features.video import read_frames
from cmedbench.release.sample_table import read_sample_table

VIDEO = Path(__file__).resolve().parents[2] / ".." / "shared" / "realfaces" / "videos" / "pyfeat_WolfgangLanger_Pexels.mp4"
pytestmark = pytest.mark.skipif(not VIDEO.is_file(), reason="../shared/realfaces is absent")


def test_real_face_frame_folder(layouts, tmp_path):
    import numpy as np

    frames = read_frames(VIDEO, list(range(0, 120, 4)))
    images = [frames[i] for i in sorted(frames)]
    first = 5562  # SAMM numbers frames from the recording's start
    src = layouts["samm"](tmp_path / "src", [("006", "006_1_2", first, first + 15, first + len(images) - 1,
                                              "R12A", "Happiness")])
    folder = src / "SAMM" / "006" / "006_1_2"  # replace the fixture's noise with the real frames
    layouts["frames"](folder, range(first, first + len(images)), "006_{:05d}.jpg", images=images)
    result = import_dataset("samm", src, tmp_path / "rel", profile="none")
    assert result.report.valid, [p.message for p in result.report.problems]
    table = read_sample_table(result.samples)
    assert (table.at[2, "width"], table.at[2, "height"], table.at[2, "apex_frame"]) == (640, 360, 15)
    out = tmp_path / "landmarks.npz"
    summary = landmarks_stage(result.samples, tmp_path / "rel", out, run=RunConfig(workers=1), progress=False)
    assert summary["ok"] == 1
    z = np.load(out)
    assert (z["status"] == 0).all() and z["key_frames"].tolist() == [[0, 15, len(images) - 1]]
