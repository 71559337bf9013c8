"""Scores and submission problems as a person reads them (rich tables)."""

from __future__ import annotations

from ..problems import Problem


def print_result(result: dict, title: str) -> None:
    from rich.table import Table

    from ..console import out_console

    console = out_console()
    t = Table(title=title)
    t.add_column("aggregation")
    for col in ("UF1", "UAR", "accuracy"):
        t.add_column(col, justify="right")
    p, m, ci = result["pooled"], result["mean_over_folds"], result["ci95"]
    t.add_row("pooled over folds (MEGC, primary)", f"{p['uf1']:.4f}", f"{p['uar']:.4f}", f"{p['accuracy']:.4f}")
    t.add_row("  95% CI (subject bootstrap)", f"[{ci['uf1'][0]:.3f}, {ci['uf1'][1]:.3f}]",
              f"[{ci['uar'][0]:.3f}, {ci['uar'][1]:.3f}]", "")
    t.add_row("mean over folds (DFME)", f"{m['uf1']:.4f}", f"{m['uar']:.4f}", f"{m['accuracy']:.4f}")
    w = result["worst_subject"]
    t.add_row(f"worst subject ({w['subject']})", "", f"{w['uar']:.4f}", "")
    console.print(t)
    pc = Table(title="per class (pooled)")
    for col in ("class", "precision", "recall", "F1", "support"):
        pc.add_column(col, justify="left" if col == "class" else "right")
    for label, v in result["per_class"].items():
        pc.add_row(label, f"{v['precision']:.4f}", f"{v['recall']:.4f}", f"{v['f1']:.4f}", str(v["support"]))
    console.print(pc)
    cm = Table(title="confusion (rows: truth, columns: prediction)")
    cm.add_column("")
    for label in result["labels"]:
        cm.add_column(label, justify="right")
    for label, row in zip(result["labels"], result["confusion"]):
        cm.add_row(label, *map(str, row))
    console.print(cm)
    if result["absent_classes"]:
        console.print(f"[yellow]classes with no true sample (left out of UF1/UAR): {', '.join(result['absent_classes'])}")
    console.print(f"{result['n_samples']} samples, {len(result['per_fold'])} folds; dataset "
                  f"{result['dataset_fingerprint'][:19]}…, fold map {result['fold_map_sha256'][:12]}")


def print_problems(problems: list[Problem], show: int = 50) -> None:
    from rich.markup import escape
    from rich.table import Table

    from ..console import err_console

    t = Table(title=f"prediction file rejected: {len(problems)} problem(s)"
                    + (f", first {show} shown" if len(problems) > show else ""))
    for col in ("line", "column", "problem"):
        t.add_column(col, overflow="fold")
    for p in problems[:show]:
        t.add_row("" if p.line is None else str(p.line), p.column or "", escape(p.message))
    err_console().print(t)
    err_console().print("[bold red]nothing was stored")
