"""Reading, writing and validating a release in the CMED layout (user guide, seeds/003)."""

# Where the pipeline keeps the canonical sample table (dvc.yaml's validate stage writes it); the
# default of every command that reads it. Kept here, import-light, so `cmedbench --help` stays fast.
SAMPLE_TABLE_PATH = "data/index/samples.csv"
