"""A release described as Croissant 1.0 JSON-LD (MLCommons), with its Responsible-AI fields.

The file describes the release's own files: ``video_emotion_metadata.csv`` (one record per clip, its
columns as fields) and the clip videos as a file set, with paths relative to the release root, so the
JSON-LD is read from there (``mlcroissant`` resolves ``contentUrl`` against the file's folder).
"""

from __future__ import annotations

from pathlib import Path

from ..atomic import sha256_file
from .metadata import METADATA_NAME

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/", "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract", "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated",
    "replace": "cr:replace", "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
    "samplingRate": "cr:samplingRate", "equivalentProperty": "cr:equivalentProperty",
}
# The metadata CSV's columns as the release contract defines them (docs/validation.md).
CSV_FIELDS = (("subject", "sc:Text", "Participant folder name as written in the release (e.g. Subject_01)."),
              ("filename", "sc:Text", "Clip file name inside its emotion and subject folders."),
              ("emotion", "sc:Text", "Emotion folder name as written in the release (e.g. Happiness, No_Emotion)."),
              ("apex_frame", "sc:Integer", "Apex frame index of an emotion clip; empty on No-ME clips."))


def _text(value) -> str:
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value)


def croissant(root: Path, facts: dict, stats: dict, fingerprint: str) -> dict:
    """The JSON-LD object for the release at ``root`` (hashes its metadata CSV)."""
    classes = ", ".join(f"{k} {v}" for k, v in stats["classes"].items())
    description = (f"{facts['summary']} {stats['n_samples']} clips of {stats['n_subjects']} subjects ({classes}). "
                   f"Dataset fingerprint {fingerprint} (cmedbench).")
    doc = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": facts["title"],
        "description": " ".join(description.split()),
        "conformsTo": CONFORMS_TO,
        "license": facts["license"],
        "citeAs": _text(facts.get("citation") or "Not stated by the data holder."),
        "url": facts.get("url") or "https://github.com/cmedbench/cmedbench",
        "version": facts.get("version") or "1.0.0",
        "isAccessibleForFree": bool(facts["synthetic"]),
        "keywords": ["micro-expression", "children", "facial expression", "video"] + (["synthetic"] if facts["synthetic"] else []),
        "identifier": fingerprint,
        "distribution": [
            {"@type": "cr:FileObject", "@id": "metadata-csv", "name": METADATA_NAME,
             "description": "One row per clip: subject, file name, emotion and apex frame.",
             "contentUrl": METADATA_NAME, "encodingFormat": "text/csv", "sha256": sha256_file(root / METADATA_NAME)},
            {"@type": "cr:FileSet", "@id": "clips", "name": "clips",
             "description": "The clips by emotion and subject (FinalFullVideos_subjects/<emotion>/<subject>/<file>).",
             "encodingFormat": "video/mp4", "includes": "FinalFullVideos_subjects/**/*.mp4"},
        ],
        "recordSet": [{
            "@type": "cr:RecordSet", "@id": "clips-metadata", "name": "clips-metadata",
            "description": "One record per clip of the release, read from its metadata CSV.",
            "field": [{"@type": "cr:Field", "@id": f"clips-metadata/{name}", "name": name, "description": desc,
                       "dataType": dtype, "source": {"fileObject": {"@id": "metadata-csv"}, "extract": {"column": name}}}
                      for name, dtype, desc in CSV_FIELDS],
        }],
        "rai:dataCollection": _text(facts["collection"]),
        "rai:dataCollectionType": ["Synthetic"] if facts["synthetic"] else ["Not stated"],
        "rai:dataAnnotationProtocol": _text(facts["annotation"]),
        "rai:personalSensitiveInformation": _text(facts["personal_sensitive_information"]),
        "rai:dataUseCases": _text(facts["intended_uses"]),
        "rai:dataBiases": [str(b) for b in facts["biases"]] or ["Not stated by the data holder."],
        "rai:dataLimitations": _text(facts["limitations"] or "Not stated by the data holder."),
        "rai:dataSocialImpact": _text(facts["social_impact"]),
        "rai:dataReleaseMaintenancePlan": _text(facts["maintenance"]),
    }
    # Consent, access and prohibited uses have no RAI property of their own: schema.org's
    # conditionsOfAccess and usageInfo carry them.
    doc["conditionsOfAccess"] = f"{_text(facts['access'])} Consent and assent: {_text(facts['consent'])}"
    doc["usageInfo"] = "Must not be used for: " + _text(facts["prohibited_uses"])
    return doc
