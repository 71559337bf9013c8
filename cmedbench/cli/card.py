"""The dataset card of a release: Croissant JSON-LD, a Markdown and an HTML datasheet, figures."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import EXIT_INVALID, main, output_exists


@main.command()
@click.argument("release", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the card into (card.md, card.html, croissant.json, figures/).")
@click.option("--profile", default="auto", show_default=True,
              help="Profile the release is validated against first: a packaged name (cmed-v1, none), a YAML "
                   "path, or auto (the release's own profile.yaml, else cmed-v1).")
@click.option("--facts", "facts_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The data holder's card facts (YAML: access, consent, prohibited_uses, biases, ...); they "
                   "replace the packaged ones key by key (docs/site.md).")
@click.option("--force", is_flag=True, help="Replace OUT if it holds something.")
def card(release: Path, out: Path, profile: str, facts_file: Path | None, force: bool) -> None:
    """Validate RELEASE and write its dataset card to OUT.

    Exit status 1 when the release is invalid (nothing is written), 2 on usage errors.
    """
    from ..console import err_console
    from ..escaping import escape
    from ..release.card import CardError, CardExists, ReleaseInvalid, write_card

    try:
        summary = write_card(release, out, profile, facts_file, force)
    except CardExists:
        raise output_exists(out) from None
    except ReleaseInvalid as exc:
        err_console().print(f"[bold red]Error:[/] {escape(str(exc), 'terminal')}; run `cmedbench validate "
                            f"{escape(str(release), 'terminal')}` for every problem", soft_wrap=True)
        sys.exit(EXIT_INVALID)
    except CardError as exc:
        raise click.UsageError(str(exc)) from None
    kind = "synthetic release" if summary.synthetic else "release"
    click.echo(f"wrote {summary.out}: {', '.join(summary.files)} ({kind}, dataset {summary.fingerprint[:19]}…)")
