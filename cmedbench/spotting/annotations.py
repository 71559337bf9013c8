"""Readers for the long-video annotation files of CAS(ME)^2 and SAMM Long Videos, into the events table of
the long-video release (video_id, participant, onset, apex, offset, class, type).

The layouts follow what the datasets ship and how public MEGC code reads them (we have neither
release here; see docs/spotting.md for what is confirmed and what is not):

* CAS(ME)^2 ``CAS(ME)^2code_final.xlsx``: sheet 1 without a header, one row per expression:
  participant number, expression name (``anger1_1``: video name, underscore, index), onset, apex,
  offset, AUs, emotion (negative / positive / surprise / others), type (macro-expression /
  micro-expression), self-report. Sheet 2 maps participant numbers (third column) to the participant
  code used in folder names (second column); sheet 3 maps video codes (first column, ``0101``) to
  video names (second column, ``disgust1``). Video id: ``<participant code>_<video code>``
  (``15_0101``, as the raw folder ``s15/15_0101disgustingteeth``).
* SAMM Long Videos ``SAMM_LongVideos_V2_Release.xlsx``: sheet 1, ten title rows, then one row per
  expression: Subject, Filename (``006_1_2``: video ``006_1``, index), Inducement Code, Onset, Apex,
  Offset, Duration, Type (``Macro`` / ``Micro - 1/2``), Action Units, Notes. No emotion column: the
  events' class is empty (spotting only; Spot-then-Recognize needs the SAMM emotion file merged in).

Every row problem is collected and raised at once (``AnnotationError``), located by sheet row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..problems import Problem

CHECK = "annotations"
CASME2_COLUMNS = ("participant", "expression", "onset", "apex", "offset", "aus", "emotion", "type", "self_report")
SAMM_COLUMNS = ("subject", "filename", "inducement", "onset", "apex", "offset", "duration", "type", "aus", "notes")
SAMM_TITLE_ROWS = 10
EVENT_COLUMNS = ("video_id", "participant", "onset", "apex", "offset", "class", "type")


class AnnotationError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the annotation file; first: {problems[0].message}")


def read_sheets(path: Path) -> list[pd.DataFrame]:
    """Every sheet of an .xlsx workbook, no header, as text."""
    book = pd.read_excel(path, sheet_name=None, header=None, dtype=str)
    return list(book.values())


def _whole(value) -> int | None:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number == int(number) else None


def _events(rows: list[dict], name: str, first_line: int, problems: list[Problem]) -> pd.DataFrame:
    """Check onset <= offset per row (an apex outside them is left empty); rows with problems are left out."""
    good = []
    for k, r in enumerate(rows):
        line = r.get("line", first_line + k)
        on, off = _whole(r["onset"]), _whole(r["offset"])
        apex = _whole(r["apex"])
        if on is None or off is None:
            problems.append(Problem(CHECK, "error", "onset and offset must be whole frame numbers", name, line))
            continue
        if on > off:
            problems.append(Problem(CHECK, "error", f"onset {on} is after offset {off}", name, line, "onset"))
            continue
        if apex is not None and apex < 0:
            apex = None
        if apex is not None and not on <= apex <= off:  # CAS(ME)^2 writes 0 for an apex it did not code
            problems.append(Problem(CHECK, "warning", f"apex {apex} lies outside {on}-{off}: left empty", name, line,
                                    "apex"))
            apex = None
        good.append({"video_id": r["video_id"], "participant": r["participant"], "onset": on,
                     "apex": pd.NA if apex is None else apex, "offset": off, "class": r["class"], "type": r["type"]})
    out = pd.DataFrame(good, columns=list(EVENT_COLUMNS))
    return out.astype({"apex": "Int64"}) if len(out) else out


def _type(text: str) -> str:
    t = str(text).strip().lower()
    if t.startswith("micro"):
        return "me"
    if t.startswith("macro"):
        return "macro"
    return ""


def casme2_events(code: pd.DataFrame, subjects: pd.DataFrame, videos: pd.DataFrame,
                  name: str = "CAS(ME)^2code_final.xlsx") -> pd.DataFrame:
    """The events of CAS(ME)^2's three sheets (each without a header, as read)."""
    problems: list[Problem] = []
    subject_code = {str(_whole(n)): str(c).strip() for c, n in zip(subjects.iloc[:, 1], subjects.iloc[:, 2])
                    if _whole(n) is not None}
    video_code = {str(nm).strip(): str(c).strip().zfill(4) for c, nm in zip(videos.iloc[:, 0], videos.iloc[:, 1])}
    rows = []
    for k, row in enumerate(code.iloc[:, :len(CASME2_COLUMNS)].itertuples(index=False)):
        r = dict(zip(CASME2_COLUMNS, row))
        line = k + 1
        participant = subject_code.get(str(_whole(r["participant"])))
        video = video_code.get(str(r["expression"]).strip().rsplit("_", 1)[0])
        if participant is None:
            problems.append(Problem(CHECK, "error", f"participant {r['participant']!r} is not in the participant "
                                                    "naming sheet", name, line, "participant"))
            continue
        if video is None:
            problems.append(Problem(CHECK, "error", f"expression {r['expression']!r} names no video of the video "
                                                    "naming sheet", name, line, "expression"))
            continue
        emotion = str(r["emotion"]).strip().lower()
        rows.append({**r, "video_id": f"{participant}_{video}", "participant": f"s{participant}",
                     "class": "" if emotion in ("nan", "others") else emotion, "type": _type(r["type"]),
                     "line": line})
    events = _events(rows, name, 1, problems)
    if any(p.severity == "error" for p in problems):
        raise AnnotationError(problems)
    return events


def samm_long_events(sheet: pd.DataFrame, name: str = "SAMM_LongVideos_V2_Release.xlsx") -> pd.DataFrame:
    """The events of SAMM Long Videos' first sheet (title rows included, as read)."""
    problems: list[Problem] = []
    body = sheet.iloc[SAMM_TITLE_ROWS:, :len(SAMM_COLUMNS)]
    rows = []
    for k, row in enumerate(body.itertuples(index=False)):
        r = dict(zip(SAMM_COLUMNS, row))
        if all(v is None or (isinstance(v, float) and pd.isna(v)) for v in r.values()):
            continue
        parts = str(r["filename"]).strip().split("_")
        subject = _whole(r["subject"])
        participant = f"{subject:03d}" if subject is not None else parts[0]
        rows.append({**r, "video_id": "_".join(parts[:2]), "participant": participant, "class": "",
                     "type": _type(r["type"]), "line": SAMM_TITLE_ROWS + 1 + k})
    events = _events(rows, name, SAMM_TITLE_ROWS + 1, problems)
    if any(p.severity == "error" for p in problems):
        raise AnnotationError(problems)
    return events


def read_casme2(path: Path) -> pd.DataFrame:
    sheets = read_sheets(path)
    if len(sheets) < 3:
        raise AnnotationError([Problem(CHECK, "error", f"expected 3 sheets (codes, participant naming, video "
                                                       f"naming), found {len(sheets)}", Path(path).name)])
    return casme2_events(sheets[0], sheets[1], sheets[2], Path(path).name)


def read_samm_long(path: Path) -> pd.DataFrame:
    return samm_long_events(read_sheets(path)[0], Path(path).name)
