"""Image-sequence clips: frame folders and frame lists probe and read like video files, and every
fault (missing frame, undecodable image, size change, empty folder) is a message, never a traceback."""

import numpy as np
import pytest

from cmedbench.features.video import VideoError, read_frames
from cmedbench.release.frames import (FrameSequenceError, clip_frames, frame_number, list_frame_folder,
                                      numbered_frames, write_frame_list)
from cmedbench.release.probe import probe_video


def _frames(folder, numbers, pattern="img{}.png", size=(16, 20)):
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in numbers:
        image = np.full((*size, 3), n % 256, dtype=np.uint8)
        cv2.imwrite(str(folder / pattern.format(n)), image)
        out.append(image)
    return out


def test_numbers_order_the_frames_not_the_names(tmp_path):
    _frames(tmp_path, [9, 10, 100, 2])
    assert [p.name for p in list_frame_folder(tmp_path)] == ["img2.png", "img9.png", "img10.png", "img100.png"]
    assert frame_number("006_05562.jpg") == 5562 and frame_number("reg_image586146.bmp") == 586146
    assert frame_number("cover.jpg") is None


def test_two_frames_with_one_number(tmp_path):
    _frames(tmp_path, [1], "img{}.png")
    _frames(tmp_path, [1], "img0{}.png")
    with pytest.raises(FrameSequenceError, match="both carry number 1"):
        numbered_frames(tmp_path)


def test_folder_and_list_probe_and_read(tmp_path):
    images = _frames(tmp_path / "seq", range(5, 12))
    listed = tmp_path / "clips" / "x.frames"
    listed.parent.mkdir()
    listed.write_text(write_frame_list(listed, [tmp_path / "seq" / f"img{n}.png" for n in range(6, 10)]))
    probe = probe_video(tmp_path / "seq")
    assert (probe.ok, probe.n_frames, probe.width, probe.height, probe.fps) == (True, 7, 20, 16, None)
    probe = probe_video(listed, deep=True)
    assert probe.ok and probe.n_frames == 4 and len(probe.sha256) == 64
    assert all(np.array_equal(a, b) for a, b in zip(read_frames(listed), images[1:5]))
    got = read_frames(listed, [3, 0])
    assert sorted(got) == [0, 3] and np.array_equal(got[3], images[4])
    with pytest.raises(VideoError, match="holds 4 frames, frame 4 was asked for"):
        read_frames(listed, [4])


def test_content_hash_follows_the_frames(tmp_path):
    _frames(tmp_path / "seq", range(3))
    before = probe_video(tmp_path / "seq").sha256
    _frames(tmp_path / "seq", [1], size=(16, 20))
    assert probe_video(tmp_path / "seq").sha256 == before  # same bytes
    (tmp_path / "seq" / "img1.png").write_bytes((tmp_path / "seq" / "img0.png").read_bytes())
    assert probe_video(tmp_path / "seq").sha256 != before


@pytest.mark.parametrize("fault,message", [
    ("missing", "1 of 3 frames missing: img1.png"),
    ("garbage", "does not decode as an image"),
    ("size", "is not 20x16 like the first frame"),
    ("empty", "frame list names no frame"),
])
def test_faults_are_messages(tmp_path, fault, message):
    _frames(tmp_path / "seq", range(3))
    listed = tmp_path / "x.frames"
    frames = [tmp_path / "seq" / f"img{n}.png" for n in range(3)]
    listed.write_text(write_frame_list(listed, [] if fault == "empty" else frames))
    if fault == "missing":
        frames[1].unlink()
    elif fault == "garbage":
        frames[0].write_bytes(b"not a png")
    elif fault == "size":
        _frames(tmp_path / "seq", [2], size=(8, 8))
    probe = probe_video(listed, deep=True)
    assert not probe.ok and message in probe.error
    if fault != "size":
        with pytest.raises(VideoError):
            read_frames(listed)


def test_empty_folder_and_missing_list(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "holds no images" in probe_video(tmp_path / "empty").error
    assert "frame list not found" in probe_video(tmp_path / "nope.frames").error
    with pytest.raises(FrameSequenceError):
        clip_frames(tmp_path / "empty")
