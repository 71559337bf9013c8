"""Feature artifacts in shards: a stage streams each clip's result into small ``.npz`` shards instead of
holding one array of every clip in memory, and a later run re-uses the rows whose content key is
unchanged.

A store is a folder::

    store.json        arrays (dtype, per-row shape), ragged arrays, extras, shard size
    index.csv         sample_id, shard, row, key   (one line per clip, in the sample table's order)
    shard-00000.npz   the rows of up to ``shard_rows`` clips, each array stacked along axis 0
    extras.npz        arrays that belong to the artifact, not to a clip (e.g. LBP-TOP's params)

A *ragged* array (a variable number of items per clip, e.g. landmarks on every frame) is stored
concatenated with its per-clip lengths; the reader rebuilds the single-file layout's offsets array.
``read_arrays`` returns, for a store or a single ``.npz`` alike, the arrays the single-file artifact
holds, value for value and dtype for dtype: consumers cannot tell the layouts apart.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_bytes, write_text

INDEX = "index.csv"
META = "store.json"
EXTRAS = "extras.npz"
SHARD_ROWS = 256  # ~40 MB of 224 px apex crops a shard; a few hundred kB for LBP-TOP or landmarks


class StoreError(ValueError):
    """A folder that is not a readable feature store (missing or inconsistent files)."""


def is_store(path: str | Path) -> bool:
    return Path(path).is_dir()


def save_npz(path: str | Path, **arrays) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_bytes(path, buf.getvalue())


class ShardWriter:
    """Collect per-clip rows and write a shard each ``shard_rows`` clips; ``close`` writes the index.

    ``dtypes`` names every per-clip array and its dtype; names in ``ragged`` have a leading axis whose
    length varies by clip, and ``offsets`` names the array the single-file layout gives their offsets in.
    """

    def __init__(self, folder: Path, dtypes: dict[str, str], ragged: Iterable[str] = (), offsets: str | None = None,
                 shard_rows: int = SHARD_ROWS, shapes: dict[str, tuple[int, ...]] | None = None):
        self.folder, self.dtypes, self.ragged, self.offsets = Path(folder), dict(dtypes), tuple(ragged), offsets
        self.shard_rows = max(1, int(shard_rows))
        self.shapes: dict[str, list[int]] = {n: list(s) for n, s in (shapes or {}).items()}
        self.index: list[tuple[str, int, int, str]] = []
        self._rows: list[dict[str, np.ndarray]] = []
        self._n_shards = 0

    def add(self, sample_id: str, key: str, arrays: dict[str, np.ndarray]) -> None:
        row = {name: np.asarray(arrays[name], dtype=dtype) for name, dtype in self.dtypes.items()}
        for name, a in row.items():
            shape = list(a.shape[1:] if name in self.ragged else a.shape)
            if self.shapes.setdefault(name, shape) != shape:
                raise StoreError(f"{sample_id}: array {name} has shape {shape}, earlier clips {self.shapes[name]}")
        self.index.append((sample_id, self._n_shards, len(self._rows), key))
        self._rows.append(row)
        if len(self._rows) >= self.shard_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        arrays = {}
        for name in self.dtypes:
            parts = [r[name] for r in self._rows]
            if name in self.ragged:
                arrays[name] = np.concatenate(parts)
                arrays[name + "__len"] = np.array([len(p) for p in parts], dtype=np.int64)
            else:
                arrays[name] = np.stack(parts)
        save_npz(self.folder / f"shard-{self._n_shards:05d}.npz", **arrays)
        self._n_shards += 1
        self._rows = []

    def close(self, extras: dict[str, np.ndarray] | None = None) -> None:
        self._flush()
        self.folder.mkdir(parents=True, exist_ok=True)
        index = pd.DataFrame(self.index, columns=["sample_id", "shard", "row", "key"])
        write_text(self.folder / INDEX, index.to_csv(index=False, lineterminator="\n"))
        if extras:
            save_npz(self.folder / EXTRAS, **extras)
        meta = {"arrays": {n: {"dtype": np.dtype(d).str, "shape": self.shapes.get(n)} for n, d in self.dtypes.items()},
                "ragged": list(self.ragged), "offsets": self.offsets, "shard_rows": self.shard_rows,
                "shards": self._n_shards, "extras": list(extras or {})}
        write_text(self.folder / META, json.dumps(meta, indent=1) + "\n")


def read_index(folder: str | Path) -> pd.DataFrame:
    folder = Path(folder)
    try:
        return pd.read_csv(folder / INDEX, dtype={"sample_id": str, "shard": int, "row": int, "key": str},
                           keep_default_na=False)
    except FileNotFoundError:
        raise StoreError(f"{folder} is not a feature store: {INDEX} is missing") from None


def _meta(folder: Path) -> dict:
    try:
        return json.loads((folder / META).read_text())
    except FileNotFoundError:
        raise StoreError(f"{folder} is not a feature store: {META} is missing") from None


class ShardReader:
    """Rows of an existing store by sample_id, keeping the last few shards read in memory (rows are
    mostly asked for in the order they were written)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.meta = _meta(self.folder)
        index = read_index(self.folder)
        self.where = {s: (int(sh), int(r), k) for s, sh, r, k in index.itertuples(index=False)}
        self._shards: dict[int, dict] = {}  # the few most recently read shards, oldest first

    def key(self, sample_id: str) -> str | None:
        hit = self.where.get(sample_id)
        return hit[2] if hit else None

    def row(self, sample_id: str) -> dict[str, np.ndarray]:
        shard_no, row, _ = self.where[sample_id]
        if shard_no not in self._shards:
            if len(self._shards) >= 4:
                del self._shards[next(iter(self._shards))]
            self._shards[shard_no] = _load_shard(self.folder, shard_no, self.meta)
        return {name: parts[row] for name, parts in self._shards[shard_no].items()}


def _load_shard(folder: Path, shard_no: int, meta: dict,
                names: Iterable[str] | None = None) -> dict[str, list[np.ndarray] | np.ndarray]:
    """One shard's arrays (``names`` only, when given); a ragged array comes back as a list of its
    per-clip pieces."""
    with np.load(folder / f"shard-{shard_no:05d}.npz") as z:
        out = {}
        for name in names if names is not None else meta["arrays"]:
            if name in meta["ragged"]:
                lengths = z[name + "__len"]
                out[name] = np.split(z[name], np.cumsum(lengths)[:-1]) if len(lengths) else []
            else:
                out[name] = z[name]
        return out


def iter_shards(folder: str | Path, names: Iterable[str] | None = None) -> Iterator[tuple[list[str], dict]]:
    """(sample ids, arrays) per shard, in index order: bounded-memory reading of a whole store."""
    folder = Path(folder)
    meta = _meta(folder)
    index = read_index(folder)
    names = None if names is None else list(names)
    for shard_no, rows in index.groupby("shard", sort=True):
        arrays = _load_shard(folder, int(shard_no), meta, names)
        yield list(rows["sample_id"]), arrays


def read_arrays(path: str | Path, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """The arrays of the single-file artifact (``sample_id`` included), from a ``.npz`` or a store.

    ``names`` limits what is read (``sample_id`` is always returned).
    """
    path = Path(path)
    wanted = None if names is None else {"sample_id", *names}
    if not is_store(path):
        with np.load(path) as z:
            return {k: z[k] for k in z.files if wanted is None or k in wanted}
    meta = _meta(path)
    index = read_index(path)
    out: dict[str, np.ndarray] = {"sample_id": np.array(list(index["sample_id"]))}
    pieces: dict[str, list] = {n: [] for n in meta["arrays"] if wanted is None or n in wanted
                               or (n in meta["ragged"] and meta["offsets"] in wanted)}
    lengths: list[int] = []
    want_offsets = bool(meta["offsets"]) and (wanted is None or meta["offsets"] in wanted)
    for _, arrays in iter_shards(path, pieces):
        for name in pieces:
            if name in meta["ragged"]:
                pieces[name].extend(arrays[name])
            else:
                pieces[name].append(arrays[name])
        if want_offsets:
            lengths.extend(len(p) for p in arrays[meta["ragged"][0]])
    for name, parts in pieces.items():
        spec = meta["arrays"][name]
        empty = np.zeros([0] + (spec["shape"] or []), dtype=np.dtype(spec["dtype"]))
        out[name] = np.concatenate(parts) if parts else empty
    if want_offsets:
        out[meta["offsets"]] = np.concatenate([[0], np.cumsum(np.array(lengths, dtype=np.int64))])
    if meta["extras"]:
        with np.load(path / EXTRAS) as z:
            out.update({k: z[k] for k in z.files if wanted is None or k in wanted})
    return {k: out[k] for k in _file_order(meta) if k in out}


def _file_order(meta: dict) -> list[str]:
    """The single file's array order: sample_id, the per-clip arrays (ragged ones after their offsets),
    then the extras."""
    names = ["sample_id"]
    for name in meta["arrays"]:
        if name in meta["ragged"] and meta["offsets"] not in names:
            names.append(meta["offsets"])
        names.append(name)
    return names + list(meta["extras"])


def clip_key(*parts) -> str:
    """A content key: sha256 over the JSON of its parts (config, code digest, file hash, inputs)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def code_digest(*modules: str) -> str:
    """sha256 of source files (paths relative to the cmedbench package), so that a change to the code
    that computes a feature invalidates every re-usable row of it."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for name in sorted(modules):
        h.update(name.encode() + b"\0" + (root / name).read_bytes())
    return h.hexdigest()
