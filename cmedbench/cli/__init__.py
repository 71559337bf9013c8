"""The ``cmedbench`` command: one click module per library folder; each parses options, calls one
library function and prints. Heavy imports happen inside commands so ``--help`` stays fast."""

from __future__ import annotations

import click

EXIT_INVALID = 1
EXIT_USAGE = 2


def output_exists(out) -> click.UsageError:
    """What a command says when its output folder holds something and --force was not given."""
    return click.UsageError(f"{out} exists and is not empty; pass --force to replace it")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="cmedbench")
def main() -> None:
    """Dataset management and benchmark suite for CMED-style micro-expression releases."""


from . import au, baselines, bench, card, curation, datasets, features, pipeline, release, spotting, synth  # noqa: E402,F401  (register commands)

