"""The site's pages for interval records (long-video spotting, Spot-then-Recognize): one board per
(dataset, task, protocol), ranked as the Markdown board ranks them (``board.interval_groups``: STRS
where the task has one, else pooled F1), and one page per record with its precision, recall, F1, STRS,
per-type and per-fold scores and the same provenance block as a clip record. Interval records have no
confusion matrix and no paired test, so they get neither."""

from __future__ import annotations

from pathlib import Path

from ..board import interval_groups


def interval_board_views(records: list[dict], slug_of) -> list[dict]:
    """One view per interval board: its key, slug, rows (rank, record) and what the rows share."""
    views = []
    for (dataset, task, protocol), recs in interval_groups(records).items():
        first = recs[0]["result"]
        views.append({"slug": slug_of(dataset, task, protocol), "dataset": dataset, "task": task,
                      "protocol": protocol, "n_videos": recs[0]["n_samples"], "threshold": first.get("threshold"),
                      "fold_map": recs[0]["fold_map_sha256"], "has_strs": any("strs" in r["result"] for r in recs),
                      "rows": [{"rank": rank, "r": r} for rank, r in enumerate(recs, 1)]})
    return views


def type_rows(result: dict) -> list[tuple[str, dict]]:
    """(label, counts) for overall and each expression type the result scored (me, macro)."""
    rows = [("all intervals (pooled)", result["pooled"])]
    rows += [(f"{kind} only", result[kind]) for kind in ("me", "macro") if isinstance(result.get(kind), dict)]
    return rows


def kept_prediction(files: dict[str, bytes], predictions_dir: Path | None, sha: str) -> str | None:
    """Copy a record's kept prediction file into the site's ``files`` and return a record page's link to
    it; None when the ledger's predictions folder is not given or lacks it."""
    blob = Path(predictions_dir) / f"{sha}.csv.gz" if predictions_dir is not None else None
    if blob is None or not blob.is_file():
        return None
    files[f"predictions/{sha}.csv.gz"] = blob.read_bytes()
    return f"../predictions/{sha}.csv.gz"


def interval_files(env, records: list[dict], views: list[dict], predictions_dir: Path | None,
                   record_slug, devices_of) -> dict[str, bytes]:
    """Board pages for ``views`` and a page for every interval record in ``records``."""
    files: dict[str, bytes] = {}
    board_of = {}
    for view in views:
        for row in view["rows"]:
            board_of[row["r"]["id"]] = view
        files[f"boards/{view['slug']}.html"] = env.get_template("interval_board.html").render(
            root="../", board=view, title=f"{view['task']} · {view['protocol']} (intervals)").encode()
    for r in records:
        download = kept_prediction(files, predictions_dir, r["prediction_sha256"])
        files[f"records/{record_slug(r['id'])}.html"] = env.get_template("interval_record.html").render(
            root="../", r=r, run=None, board=board_of.get(r["id"]), download=download, devices=devices_of(r),
            types=type_rows(r["result"]), params_json=None, not_recorded="not recorded",
            title=f"Record {r['id'][:8]}: {r['model']}").encode()
    return files
