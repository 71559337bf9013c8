"""The embedded default: synthetic releases shaped like CMED (Table V), so the pipeline runs anywhere."""
