"""`--per-class`: a balanced synthetic release, so every rendered action unit is common enough to measure."""

import subprocess
import sys

import pandas as pd
import pytest

from cmedbench.synth.distribution import balanced_counts
from cmedbench.synth.release import SynthConfig, synth_release
from cmedbench.synth.synth_config import SynthConfigError


def test_balanced_counts_give_every_class_to_every_subject():
    c = balanced_counts(4, 3)
    assert c.shape == (4, 7) and (c == 3).all().all()


def test_a_balanced_release_and_its_profile(tmp_path):
    out = synth_release(tmp_path / "r", SynthConfig(subjects=3, per_class=2, seed=1), metadata_only=True,
                        progress=False)
    meta = pd.read_csv(out / "video_emotion_metadata.csv", dtype=str, keep_default_na=False)
    assert len(meta) == 3 * 7 * 2 and meta.groupby(["subject", "emotion"]).size().eq(2).all()
    assert "balanced-2" in (out / "profile.yaml").read_text()
    with pytest.raises(SynthConfigError) as info:
        synth_release(tmp_path / "bad", SynthConfig(subjects=3, per_class=0), metadata_only=True, progress=False)
    assert info.value.field == "per_class"


def test_the_cli_pins_a_bad_count_on_its_option(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cmedbench.cli", "synth", "release", str(tmp_path / "r"),
                           "--per-class", "0", "--metadata-only"], capture_output=True, text=True)
    assert done.returncode == 2 and "--per-class" in done.stderr and "Traceback" not in done.stderr
