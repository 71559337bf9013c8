"""Scores, submission problems, the board and the ledger check as a person reads them (rich tables).
Every string that came from a submitter or a file passes through ``escape(..., "terminal")``."""

from __future__ import annotations

from ..escaping import escape
from ..problems import Problem


def _t(text) -> str:
    return escape(text, "terminal")


def print_result(result: dict, title: str) -> None:
    from rich.table import Table

    from ..console import out_console

    console = out_console()
    t = Table(title=_t(title))
    t.add_column("aggregation")
    for col in ("UF1", "UAR", "accuracy"):
        t.add_column(col, justify="right")
    p, m, ci = result["pooled"], result["mean_over_folds"], result["ci95"]
    t.add_row("pooled over folds (MEGC, primary)", f"{p['uf1']:.4f}", f"{p['uar']:.4f}", f"{p['accuracy']:.4f}")
    t.add_row("  95% CI (subject bootstrap)", f"[{ci['uf1'][0]:.3f}, {ci['uf1'][1]:.3f}]",
              f"[{ci['uar'][0]:.3f}, {ci['uar'][1]:.3f}]", "")
    t.add_row("mean over folds (DFME)", f"{m['uf1']:.4f}", f"{m['uar']:.4f}", f"{m['accuracy']:.4f}")
    w = result["worst_subject"]
    t.add_row(f"worst subject ({_t(w['subject'])})", "", f"{w['uar']:.4f}", "")
    console.print(t)
    pc = Table(title="per class (pooled)")
    for col in ("class", "precision", "recall", "F1", "support"):
        pc.add_column(col, justify="left" if col == "class" else "right")
    for label, v in result["per_class"].items():
        pc.add_row(_t(label), f"{v['precision']:.4f}", f"{v['recall']:.4f}", f"{v['f1']:.4f}", str(v["support"]))
    console.print(pc)
    cm = Table(title="confusion (rows: truth, columns: prediction)")
    cm.add_column("")
    for label in result["labels"]:
        cm.add_column(_t(label), justify="right")
    for label, row in zip(result["labels"], result["confusion"]):
        cm.add_row(_t(label), *map(str, row))
    console.print(cm)
    if result["absent_classes"]:
        console.print(f"[yellow]classes with no true sample (left out of UF1/UAR): "
                      f"{_t(', '.join(result['absent_classes']))}")
    console.print(f"{result['n_samples']} samples, {len(result['per_fold'])} folds; dataset "
                  f"{_t(result['dataset_fingerprint'][:19])}…, fold map {result['fold_map_sha256'][:12]}")


def print_problems(problems: list[Problem], show: int = 50, name: str = "prediction file") -> None:
    from rich.table import Table

    from ..console import err_console

    title = f"{name} rejected: {len(problems)} problem(s)" + (f", first {show} shown" if len(problems) > show else "")
    t = Table(title=_t(title), min_width=len(title) + 4)
    for col in ("line", "column", "problem"):
        t.add_column(col, overflow="fold")
    for p in problems[:show]:
        t.add_row("" if p.line is None else str(p.line), _t(p.column or ""), _t(p.message))
    err_console().print(t)
    err_console().print("[bold red]nothing was stored")


def print_board(records: list[dict], length: int, head: str | None) -> None:
    """The board as terminal tables: one per (dataset, task, protocol), ranked by pooled UF1."""
    from rich.table import Table

    from ..console import out_console
    from .board import board_rows, fmt, ledger_line, records_cell, score_cell

    console = out_console()
    for (dataset, task, protocol), rows in board_rows(records).items():
        title = f"{_t(task)} · {_t(protocol)} · dataset {_t(dataset[:19])}… · {rows[0]['n_samples']} samples"
        t = Table(title=title, title_justify="left")
        t.add_column("#", justify="right")
        t.add_column("model", ratio=1, min_width=16, overflow="fold")
        for col in ("UF1 pooled", "UAR pooled", "accuracy", "UF1 / UAR\nper fold", "worst\nUAR"):
            t.add_column(col, justify="right", no_wrap=True)
        t.add_column("selection", max_width=14)
        t.add_column("records", no_wrap=True)
        for rank, row in enumerate(rows, 1):
            name = _t(row["model"]) + (" [italic](floor)[/]" if row["kind"] == "floor" else "")
            if row["description"]:
                name += f"\n[dim]{_t(row['description'][:200])}[/]"
            sel = _t(row["selection"]) + (" [bold red]leak[/]" if row["selection"] == "test-fold" else "")
            t.add_row(str(rank), name, _two_lines(score_cell(row["uf1"], row["uf1_sd"], row["ci_uf1"])),
                      _two_lines(score_cell(row["uar"], row["uar_sd"], row["ci_uar"])), fmt(row["accuracy"]),
                      f"{fmt(row['mof_uf1'])} / {fmt(row['mof_uar'])}", fmt(row["worst"]), sel,
                      _t(records_cell(row).replace(": ", ":\n", 1)))
        console.print(t)
    console.print(_t(ledger_line(length, head).replace("`", "")))


def _two_lines(cell: str) -> str:
    """'0.4101 [0.262, 0.800]' as the score over its interval (dim), to keep the board narrow."""
    score, _, rest = cell.partition(" ")
    return f"{score}\n[dim]{_t(rest)}[/]" if rest else score


def print_ledger_problems(problems: list[Problem], title: str) -> None:
    from rich.table import Table

    from ..console import err_console

    if not problems:
        return
    t = Table(title=_t(title), min_width=len(title) + 4)
    for col in ("severity", "file", "problem"):
        t.add_column(col, overflow="fold")
    for p in problems:
        sev = "[red]error[/]" if p.severity == "error" else "[yellow]warning[/]"
        t.add_row(sev, _t(p.file or ""), _t(p.message))
    err_console().print(t)
