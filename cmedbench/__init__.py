"""cmedbench: dataset management and benchmark suite for CMED-style micro-expression releases."""

__version__ = "0.1.0"

import os

# FFmpeg inside OpenCV prints to stderr for every broken file; our probes and readers report problems
# themselves. Set once here, before any module of the package imports cv2.
os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
