"""Shared rich consoles: results to stdout, progress and diagnostics to stderr."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=None)
def out_console():
    from rich.console import Console

    console = Console(soft_wrap=False)
    if not console.is_terminal:  # pipes and CI logs: wide enough that tables do not fold every cell
        console = Console(soft_wrap=False, width=max(console.width, 140))
    return console


@lru_cache(maxsize=None)
def err_console():
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, width=max(console.width, 140))
    return console


def track(items, total: int, description: str, show: bool = True, size=lambda item: 1):
    """Yield ``items`` unchanged while a transient progress bar on stderr advances by ``size(item)``."""
    if not show:
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console(), transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task, size(item))
