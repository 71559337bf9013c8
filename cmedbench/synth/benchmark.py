"""A benchmark folder at any size without rendering a video: Table V's metadata, scaled, with stand-in
file facts. For scorer, ledger and harness work (tests, benchmarks), where only labels and subjects
matter; the fingerprint says so, since the stand-in hashes are not any real file's."""

from __future__ import annotations

import hashlib
from pathlib import Path


def metadata_benchmark(out: str | Path, subjects: int = 12, scale: float = 0.1, seed: int = 0,
                       force: bool = False) -> Path:
    """Write the benchmark folder (fold maps, answer key, manifest) of a metadata-only synthetic release."""
    from ..bench.splits import write_benchmark
    from ..release.fingerprint import dataset_fingerprint, sample_ids
    from .distribution import metadata_table, scaled_counts

    t = metadata_table(scaled_counts(subjects, scale), seed)
    t.insert(0, "sample_id", sample_ids(t))
    t = t.assign(path=t["filename"], n_frames=10, fps=25.0, width=300, height=300,
                 sha256=[hashlib.sha256(s.encode()).hexdigest() for s in t["sample_id"]])
    write_benchmark(t, dataset_fingerprint(t), out, seed, force=force)
    return Path(out)
