"""The pipeline's own checks: params.yaml, before any stage runs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import EXIT_INVALID, main


@main.command("check-params")
@click.argument("params_file", default="params.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="When every key is sound, write this stamp file (the check_params stage's output).")
def check_params_cmd(params_file: Path, out: Path | None) -> None:
    """Check PARAMS_FILE (types, ranges, unknown or misspelt keys) against the stages of dvc.yaml beside
    it, converting each value with the option it is passed to. Exit 1 with every problem named."""
    from ..paramcheck import ParamsFileError, check_params, write_check

    try:
        problems = write_check(params_file, out) if out else check_params(params_file)
    except ParamsFileError as exc:
        raise click.ClickException(str(exc)) from None
    for p in problems:
        click.echo(f"{params_file}: {p}", err=True)
    if problems:
        click.echo(f"{params_file}: {len(problems)} problem(s); no stage was run", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"{params_file}: sound")
