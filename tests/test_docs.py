"""Every command the docs show runs as shown.

Each page's ```bash blocks run top to bottom, in one shell session per page, in a scratch copy of the
repository (its git-tracked files, a fresh git and DVC repo) with the venv's commands on PATH. A block
whose info string is ``bash notest`` (``make run``, full-size or GPU runs) is covered elsewhere and
skipped here; output is shown in ``text`` fences and never run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```", re.S | re.M)
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])


def shell_blocks(text: str) -> list[str]:
    """The runnable blocks of a Markdown page: fences tagged exactly ``bash``."""
    return [body for info, body in FENCE.findall(text) if info.strip() == "bash"]


def test_shell_blocks_are_found_and_notest_ones_are_skipped():
    page = "x\n```bash\necho one\n```\n```bash notest\nmake run\n```\n```text\nout\n```\n"
    assert shell_blocks(page) == ["echo one\n"]


def scratch_repo(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if shell_blocks(p.read_text())],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_docs_commands_run_as_shown(page: Path, tmp_path: Path):
    work = scratch_repo(tmp_path / "repo")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", DVC_NO_ANALYTICS="1",
               COLUMNS="120", GIT_AUTHOR_NAME="docs", GIT_AUTHOR_EMAIL="docs@test",
               GIT_COMMITTER_NAME="docs", GIT_COMMITTER_EMAIL="docs@test")
    script = "set -euo pipefail\n" + "\n".join(
        f"echo '>>> block {i + 1}' >&2\n{body}" for i, body in enumerate(shell_blocks(page.read_text())))
    r = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"{page.name}: a shown command failed\n--- stdout\n{r.stdout[-4000:]}\n" \
                              f"--- stderr\n{r.stderr[-4000:]}"
