"""Curation: raw recordings to a release (Algorithm 1, three-stage labelling, compile)."""
