"""`cmedbench validate` as a user runs it: a real process, exit codes, the report files."""

import json
import subprocess
import sys

import pytest


CLI = [sys.executable, "-m", "cmedbench.cli"]


def cli(*args, cwd=None):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture
def release(tmp_path, make_release):
    return make_release(tmp_path / "release")


def test_valid_release_exit_0_and_report(release, tmp_path):
    report = tmp_path / "reports" / "validation.json"
    r = cli("validate", release, "--report", report)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "VALID" in r.stdout and "fingerprint: sha256:" in r.stdout
    data = json.loads(report.read_text())
    assert data["valid"] and data["summary"]["n_samples"] == 5
    assert {c["name"] for c in data["checks"]} >= {"metadata", "labels", "schema", "layout", "files"}
    schema = (tmp_path / "reports" / "validation.schema.yaml").read_text()
    assert "emotion_rows_have_an_apex" in schema and "unique:" in schema


def test_invalid_release_exit_1_without_traceback(release, rewrite_csv):
    rewrite_csv(release, b"subject,filename,emotion,apex_frame\nSubject_01,a\xff.mp4,Happy,1\n")
    r = cli("validate", release)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "INVALID" in r.stdout and "line 2" in r.stdout


@pytest.mark.parametrize("args", [["validate", "/nonexistent/release"], ["validate", "{rel}", "--profile", "nope"],
                                  ["validate", "{rel}", "--workers", "0"]])
def test_usage_errors_exit_2(release, args):
    r = cli(*[a.format(rel=release) for a in args])
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_help_documents_every_option():
    r = cli("validate", "--help")
    for option in ("--profile", "--report", "--samples", "--deep", "--metadata-only", "--workers", "cmed-v1",
                   "Exit status"):
        assert option in r.stdout


def test_synth_metadata_release_passes_cmed_v1(tmp_path):
    out = tmp_path / "synthetic"
    r = cli("synth", "release", out, "--subjects", "74", "--scale", "1.0", "--metadata-only")
    assert r.returncode == 0, r.stderr
    r = cli("validate", out, "--metadata-only", "--profile", "cmed-v1", "--quiet")
    assert r.returncode == 0, r.stdout
    r = cli("validate", out, "--metadata-only", "--profile", out / "profile.yaml", "--quiet")
    assert r.returncode == 0, r.stdout


def test_large_csv_is_handled(tmp_path):
    """100k rows: validated in one pass, each bad row still located."""
    root = tmp_path / "big"
    root.mkdir()
    lines = ["subject,filename,emotion,apex_frame"]
    lines += [f"Sub_{i % 74 + 1},clip_{i:06d}.mp4,{'Happy' if i % 2 else 'No_Emotion'},{'5' if i % 2 else ''}"
              for i in range(100_000)]
    lines[50_001] = "Sub_1,clip_050000.mp4,Joy,5"
    (root / "video_emotion_metadata.csv").write_text("\n".join(lines) + "\n")
    r = cli("validate", root, "--metadata-only", "--report", tmp_path / "r.json", "--quiet")
    assert r.returncode == 1
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"]["n_rows"] == 100_000
    assert [(p["line"], p["column"]) for p in data["problems"]] == [(50_002, "emotion")]


def test_samples_written_for_a_valid_release_only(release, tmp_path):
    samples = tmp_path / "index" / "samples.csv"
    r = cli("validate", release, "--quiet", "--samples", samples)
    assert r.returncode == 0 and f"sample table: {samples}" in r.stdout
    assert samples.read_text().splitlines()[0].startswith("line,sample_id,subject,filename,emotion,apex_frame,path")
    (release / "FinalFullVideos_subjects/Happy/Subject_01/a.mp4").unlink()
    other = tmp_path / "other.csv"
    r = cli("validate", release, "--quiet", "--samples", other, "--report", tmp_path / "r.json")
    assert r.returncode == 1 and not other.exists()
    assert "no sample table written" in r.stderr and "r.json" in r.stderr


def test_contact_sheet_reads_the_sample_table(release, tmp_path):
    samples = tmp_path / "samples.csv"
    assert cli("validate", release, "--quiet", "--samples", samples).returncode == 0
    r = cli("contact-sheet", "--samples", samples, "--release", release, "--out", tmp_path / "sheet.png")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sheet.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = cli("contact-sheet", "--samples", tmp_path / "missing.csv", "--release", release, "--out", tmp_path / "x.png")
    assert r.returncode == 1 and "cmedbench validate RELEASE --samples" in r.stderr and "Traceback" not in r.stderr
