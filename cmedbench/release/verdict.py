"""The verdict as a person reads it: checks, counts, the first problems, the fingerprint."""

from __future__ import annotations

from .report import Report

_STYLE = {"pass": "[green]pass[/]", "fail": "[bold red]FAIL[/]", "warn": "[yellow]warn[/]", "skip": "[dim]skip[/]"}


def render_report(report: Report, show: int = 20, quiet: bool = False, command: str = "validate") -> None:
    from rich.table import Table

    from ..console import out_console
    from ..escaping import escape

    def safe(text) -> str:
        return escape(text, "terminal")

    console = out_console()
    s = report.summary
    if not quiet:
        checks = Table(title=f"cmedbench {command} {safe(report.release)}  (profile: {safe(report.profile)})")
        for col in ("check", "status", "errors", "warnings", "what it checks"):
            checks.add_column(col, justify="right" if col in ("errors", "warnings") else "left")
        for c in report.checks:
            checks.add_row(c.name, _STYLE[c.status], str(c.counts.get("errors", "")),
                           str(c.counts.get("warnings", "")), safe(c.detail or c.description))
        console.print(checks)
        for c in report.checks:
            if c.counts.get("mismatches"):
                t = Table(title=f"{c.name}: expected vs found")
                for col in ("subject", "class", "expected", "found"):
                    t.add_column(col)
                for m in c.counts["mismatches"][:show]:
                    t.add_row(safe(m["subject"]), safe(m["class"]), str(m["expected"]), str(m["found"]))
                console.print(t)
        if show and report.problems:
            ordered = report.errors + report.warnings
            t = Table(title=f"problems (first {min(show, len(ordered))} of {len(ordered)})")
            for col in ("severity", "check", "where", "message"):
                t.add_column(col, overflow="fold")
            for p in ordered[:show]:
                sev = "[red]error[/]" if p.severity == "error" else "[yellow]warning[/]"
                t.add_row(sev, p.check, safe(p.location()), safe(p.message))
            console.print(t)
        if s:
            classes = safe(", ".join(f"{k} {v}" for k, v in s.get("classes", {}).items()))
            console.print(f"{s.get('n_samples', 0)} samples, {s.get('n_subjects', 0)} subjects: {classes}")
    if s.get("fingerprint"):
        kind = "" if s.get("files_hashed") else " (metadata only)"
        console.print(f"fingerprint: {s['fingerprint']}{kind}")
    n_err, n_warn = len(report.errors), len(report.warnings)
    if report.valid:
        console.print(f"[bold green]VALID[/] ({n_warn} warnings)")
    else:
        console.print(f"[bold red]INVALID[/]: {n_err} errors, {n_warn} warnings")
