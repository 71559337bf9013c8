"""Sample ids and the dataset fingerprint: the names by which results refer to a release.

A sample id is a short hash of (emotion, subject, filename): stable across re-downloads and folder
moves, and opaque, so sorting or reading ids does not reveal classes. The fingerprint hashes the
canonical sample table together with every file's content hash; two releases share a fingerprint
only if they hold the same clips with the same labels.
"""

from __future__ import annotations

import hashlib

import pandas as pd

FINGERPRINT_COLUMNS = ("sample_id", "subject", "emotion", "filename", "apex_frame", "sha256")


def sample_ids(table: pd.DataFrame) -> pd.Series:
    keys = table["emotion"].astype(str) + "\x1f" + table["subject"].astype(str) + "\x1f" + table["filename"].astype(str)
    return pd.Series([hashlib.sha256(k.encode()).hexdigest()[:12] for k in keys], index=table.index,
                     dtype="string")


def dataset_fingerprint(table: pd.DataFrame) -> str:
    """``sha256:<hex>`` over the sorted canonical rows; files contribute their content hash when known.

    A ``sha256`` column that is blank on every row (a metadata-only sample table read back) counts as
    absent, so a table has one fingerprint whether it is held in memory or read from its file.
    """
    hashed = "sha256" in table.columns and bool(table["sha256"].notna().any())
    cols = [c for c in FINGERPRINT_COLUMNS if c in table.columns and (c != "sha256" or hashed)]
    rows = table[cols].astype("string").fillna("").sort_values("sample_id")
    h = hashlib.sha256()
    h.update(("\x1f".join(FINGERPRINT_COLUMNS) + "\n").encode())
    for values in rows.itertuples(index=False):
        h.update(("\x1f".join(values) + "\n").encode())
    if not hashed:
        h.update(b"metadata-only\n")
    return "sha256:" + h.hexdigest()
