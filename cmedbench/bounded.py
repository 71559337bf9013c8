"""Reading a file that someone else made, with a hard byte bound.

Every input the harness or the validator reads goes through ``read_bounded``: it never holds more
than ``limit + 1`` bytes, whatever the path is (a regular file, a pipe, ``/dev/zero``), and it never
waits on a FIFO that nobody writes to. ``is_blank`` says what counts as an empty file (nothing but a
byte-order mark and whitespace).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16


class InputRefused(ValueError):
    """A path that is not readable as a bounded file; ``reason`` is a sentence for the user."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def read_bounded(path: str | os.PathLike, limit: int) -> bytes:
    """At most ``limit`` bytes of ``path``; anything longer, or not a readable file, is refused.

    The file is opened without blocking (a FIFO with no writer reads as empty instead of hanging),
    a regular file's size is checked before a byte is read, and anything else is read in chunks that
    stop at ``limit + 1`` bytes.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputRefused(path, "file not found") from None
    except IsADirectoryError:
        raise InputRefused(path, "is a directory, expected a file") from None
    except OSError as exc:
        raise InputRefused(path, f"cannot be opened ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputRefused(path, "is a directory, expected a file")
        if os.isatty(fd):
            raise InputRefused(path, "is a terminal, expected a file")
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise InputRefused(path, f"file is {_mb(info.st_size)}; at most {_mb(limit)} is accepted here")
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        chunks, total = [], 0
        while total <= limit:
            try:
                block = os.read(fd, min(_CHUNK, limit + 1 - total))
            except OSError as exc:
                if exc.errno == errno.EAGAIN:
                    break
                raise InputRefused(path, f"cannot be read ({exc.strerror or exc})") from None
            if not block:
                break
            chunks.append(block)
            total += len(block)
        if total > limit:
            raise InputRefused(path, f"more than {_mb(limit)}; at most {_mb(limit)} is accepted here")
        return b"".join(chunks)
    finally:
        os.close(fd)


def is_blank(data: bytes) -> bool:
    """Nothing but an optional UTF-8 byte-order mark and whitespace: an empty file, however it looks."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    if not data.strip():
        return True
    try:
        return not data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False
