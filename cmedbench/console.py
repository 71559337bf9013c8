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
