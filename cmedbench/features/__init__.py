"""Features of a release's clips: pure functions over frames, and the DVC stages that run them."""
