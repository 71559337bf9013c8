"""A dataset card for a validated release: Croissant JSON-LD, a Markdown and an HTML datasheet, figures.

What the release holds (classes, subjects, clip lengths, frame size and rate, fingerprint) is measured
here from the validated sample table. What no file can tell (consent and assent, who may access it,
what it must not be used for, known biases) comes from card facts: the packaged ones for a synthetic
release (true of the generator), otherwise the data holder's facts file over a default that says
plainly which statements are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from ..escaping import escape
from .labels import LABELS, NO_ME

FACT_KEYS = ("title", "synthetic", "summary", "license", "access", "consent", "collection", "annotation",
             "personal_sensitive_information", "intended_uses", "prohibited_uses", "biases", "limitations",
             "social_impact", "maintenance", "citation", "url", "version")
SYNTH_MARKER = "synth_config.yaml"  # written by `cmedbench synth release` beside the metadata CSV
FIGURES = ("classes.png", "subjects.png", "clip_lengths.png")


class CardError(ValueError):
    """A card that cannot be made; the message names the file and the problem."""


class ReleaseInvalid(CardError):
    """The release fails validation (``problems``): a card describes only a valid release."""

    def __init__(self, root: Path, problems: list):
        self.problems = problems
        first = problems[0]
        where = f"{first.file}" + (f", line {first.line}" if first.line is not None else "")
        super().__init__(f"{root} is not a valid release ({len(problems)} error(s); first: {where}: {first.message})")


class CardExists(CardError):
    """The output folder holds something and replacing it was not asked for."""


@dataclass(frozen=True)
class CardSummary:
    out: Path
    files: list[str]
    synthetic: bool
    fingerprint: str


def load_facts(root: Path, facts_file: Path | None = None) -> dict:
    """The packaged facts for this kind of release, with the data holder's file (YAML) over them."""
    import yaml

    base = "synthetic.yaml" if (Path(root) / SYNTH_MARKER).is_file() else "release.yaml"
    facts = yaml.safe_load(resources.files("cmedbench.release").joinpath("card_facts", base).read_text("utf-8"))
    if facts_file is not None:
        try:
            own = yaml.safe_load(Path(facts_file).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CardError(f"{facts_file}: not readable YAML ({exc})") from None
        if not isinstance(own, dict):
            raise CardError(f"{facts_file}: card facts must be a mapping of keys to text")
        unknown = sorted(set(own) - set(FACT_KEYS))
        if unknown:
            raise CardError(f"{facts_file}: unknown card fact(s) {', '.join(map(str, unknown))}; known: "
                            f"{', '.join(FACT_KEYS)}")
        facts.update(own)
    for key in ("intended_uses", "prohibited_uses", "biases", "limitations"):
        value = facts.get(key) or []
        facts[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return facts


def release_stats(table: pd.DataFrame) -> dict:
    """Counts, per-subject counts, clip lengths, frame sizes and rates of a validated sample table."""
    order = [lab for lab in LABELS if lab in set(table["emotion"])]
    classes = {lab: int((table["emotion"] == lab).sum()) for lab in order}
    per_subject = (table.groupby(["subject", "emotion"]).size().unstack(fill_value=0)
                   .reindex(columns=order, fill_value=0).sort_index())
    seconds = table["n_frames"].astype(float) / table["fps"].astype(float)
    sizes = table.groupby(["width", "height"]).size().sort_values(ascending=False)
    fps = table["fps"].astype(float).round(3).value_counts().sort_index()
    return {
        "n_samples": int(len(table)), "n_subjects": int(table["subject"].nunique()), "classes": classes,
        "n_me": int((table["emotion"] != NO_ME).sum()), "per_subject": per_subject,
        "seconds": seconds, "is_me": table["emotion"] != NO_ME,
        "length": {"min": float(seconds.min()), "median": float(seconds.median()), "max": float(seconds.max()),
                   "frames_min": int(table["n_frames"].min()), "frames_max": int(table["n_frames"].max())},
        "sizes": [(int(w), int(h), int(n)) for (w, h), n in sizes.items()],
        "fps": [(float(v), int(n)) for v, n in fps.items()],
    }


def _environment(target: str):
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(loader=jinja2.PackageLoader("cmedbench.release", "card_templates"),
                             autoescape=target == "html", undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["t"] = lambda value: Markup(escape(value, target))
    return env


def build_card(root: Path, profile: str | Path = "auto", facts_file: Path | None = None) -> tuple[dict[str, bytes], dict]:
    """Validate the release at ``root`` and make every file of its card (relative path -> bytes)."""
    import json

    from . import card_figures
    from .croissant import croissant
    from .profiles import ProfileError, resolve
    from .validate import validate_release

    root = Path(root)
    try:
        validation = validate_release(root, resolve(profile, root))
    except ProfileError as exc:
        raise CardError(str(exc)) from None
    if not validation.report.valid:
        raise ReleaseInvalid(root, validation.report.errors)
    facts = load_facts(root, facts_file)
    stats = release_stats(validation.table)
    fingerprint = validation.fingerprint
    doc = croissant(root, facts, stats, fingerprint)
    files = {
        "figures/classes.png": card_figures.class_bars(stats["classes"]),
        "figures/subjects.png": card_figures.subject_bars(stats["per_subject"]),
        "figures/clip_lengths.png": card_figures.clip_length_histogram(stats["seconds"], stats["is_me"]),
        "croissant.json": (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode(),
    }
    context = {"facts": facts, "stats": stats, "fingerprint": fingerprint, "profile": validation.report.profile,
               "per_subject": stats["per_subject"], "title": facts["title"]}
    files["card.md"] = _environment("markdown").get_template("card.md").render(**context).encode()
    files["card.html"] = _environment("html").get_template("card.html").render(**context).encode()
    return files, {"synthetic": bool(facts["synthetic"]), "fingerprint": fingerprint}


def write_card(root: Path, out: Path, profile: str | Path = "auto", facts_file: Path | None = None,
               force: bool = False) -> CardSummary:
    """Make the card of the release at ``root`` and swap it into ``out`` in one step."""
    from ..atomic import OutputExists, staged_dir

    files, info = build_card(root, profile, facts_file)
    try:
        with staged_dir(out, force=force) as tmp:
            for rel, data in sorted(files.items()):
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                (tmp / rel).write_bytes(data)
    except OutputExists:
        raise CardExists(f"{out} exists and is not empty; it is replaced only when asked to") from None
    return CardSummary(Path(out), sorted(files), info["synthetic"], info["fingerprint"])
