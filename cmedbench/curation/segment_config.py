"""The segmenter's settings, every constant of Algorithm 1 a parameter, each default stated once.

Standard library only, so the command line can read its defaults from here without importing OpenCV
or numpy. ``params.yaml`` (section ``segment:``) holds the pipeline's own choice of these values.
"""

from __future__ import annotations

from dataclasses import dataclass

SEGMENT_MODES = ("tiles", "algorithm1")


@dataclass(frozen=True)
class SegmentConfig:
    """Every constant of Algorithm 1 and of the guards around it (defaults: the paper's values)."""

    mode: str = "tiles"  # "tiles": find the gallery's tiles, crop inside them; "algorithm1": as written
    sample_every: int = 60  # Algorithm 1, line 3
    triple: int = 3  # line 4: "read the next three frames"
    close_after: int = 60  # line 14
    min_seconds: float = 3.0  # line 17
    crop: int = 300  # Section III-B: 300x300 segments
    area_scale: float = 2.0  # a user's area is this many face widths (at least `crop` px)
    scale_factor: float = 1.1  # Haar detectMultiScale
    min_neighbors: int = 5
    min_size: int = 30
    detect_scale: float = 0.5  # Haar runs on the frame scaled by this (boxes scaled back): 4x faster at 0.5
    min_votes: int = 2
    track_min_fraction: float = 0.5  # between samples, a user's area is searched for faces >= this x its first
    confirm_with_dlib: bool = True
    refine: bool = True
    share_white_fraction: float = 0.35
    multiple_faces_fraction: float = 0.25
    neighbour_widths: float = 2.0  # another face closer than this many face widths shares the view
    missing_fraction: float = 0.5
    rotation_deg: float = 25.0
    black_bars_fraction: float = 0.1  # median share of near-black rows/columns of the source pixels
    min_tile: int = 96  # tiles mode: a run of non-plain pixels narrower than this is not a tile (a name label)
    reflow_overlap: float = 0.7  # tiles mode: a user's tile overlapping its new tile less than this: a reflow
    talk_threshold: float = 0.025  # algorithm1 mode: one segment's mouth motion above this: a talker
    facilitator_ratio: float = 2.0  # tiles mode: a tile talking this many times the others' median
    facilitator_min_samples: int = 4  # tiles mode: samples with a face a participant needs to be compared
    share_owner: bool = True  # tiles mode with identities: who shares, from the speaker's face beside the slide
    share_every: int = 25  # tiles mode: frames between two sampled share frames (1 s at 25 fps)
    share_probes: int = 3  # a share span whose first this many samples show no face is not sampled further
    share_max_faces: int = 3  # Haar faces described per sampled share frame (more than one: no evidence)
    share_margin: float = 0.8  # a share sample's speaker is a participant only when this much nearer than the next
    facilitator_share_fraction: float = 0.5  # the share owner: speaker in at least this share of share samples
    facilitator_share_ratio: float = 1.5  # ... is flagged when also speaking this many times the others' median
    identities: bool = True  # one participant id per person across leaving, returning and reflows (dlib)
    identity_threshold: float = 0.6  # dlib's same-person distance between 128-D descriptors
    max_descriptors: int = 2  # descriptors averaged per segment (each costs a ResNet pass, ~0.1-0.2 s)
