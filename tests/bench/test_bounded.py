"""Bounded input: every file is read with a hard byte bound, pipes and devices included, and a
BOM-only or whitespace-only file is empty."""

import os
import threading
import time

import pytest

from cmedbench.bounded import InputRefused, is_blank, read_bounded
from cmedbench.release.metadata import MetadataError, read_metadata


def quickly(fn, *args):
    t0 = time.monotonic()
    try:
        return fn(*args)
    finally:
        assert time.monotonic() - t0 < 10


def test_regular_files_up_to_the_limit(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"x" * 100)
    assert read_bounded(f, 100) == b"x" * 100
    with pytest.raises(InputRefused, match="at most"):
        read_bounded(f, 99)
    with pytest.raises(InputRefused, match="not found"):
        read_bounded(tmp_path / "nope", 10)
    with pytest.raises(InputRefused, match="directory"):
        read_bounded(tmp_path, 10)


def test_dev_zero_is_refused_after_limit_plus_one_bytes():
    with pytest.raises(InputRefused, match="more than"):
        quickly(read_bounded, "/dev/zero", 1 << 20)


def test_fifo_without_a_writer_reads_as_empty(tmp_path):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    assert quickly(read_bounded, fifo, 1 << 20) == b""


def test_fifo_with_an_endless_writer_is_cut_at_the_bound(tmp_path):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer():
        try:
            with open(fifo, "wb") as fh:
                while not stop.is_set():
                    fh.write(b"y" * 65536)
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    time.sleep(0.2)
    try:
        with pytest.raises(InputRefused, match="more than"):
            quickly(read_bounded, fifo, 1 << 20)
    finally:
        stop.set()


@pytest.mark.parametrize("data,blank", [(b"", True), (b"\xef\xbb\xbf", True), (b"\xef\xbb\xbf \r\n\t ", True),
                                        (b"\xe3\x80\x80", True), (b"a", False), (b"\xff\xfe", False)])
def test_what_counts_as_empty(data, blank):
    assert is_blank(data) is blank


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"  \n\n\t", b"\xef\xbb\xbf\r\n"])
def test_blank_metadata_is_empty(tmp_path, content):
    (tmp_path / "video_emotion_metadata.csv").write_bytes(content)
    with pytest.raises(MetadataError, match="empty"):
        read_metadata(tmp_path / "video_emotion_metadata.csv")


def test_metadata_from_a_device_is_refused_quickly(tmp_path):
    (tmp_path / "video_emotion_metadata.csv").symlink_to("/dev/zero")
    with pytest.raises(MetadataError, match="at most"):
        quickly(read_metadata, tmp_path / "video_emotion_metadata.csv")
