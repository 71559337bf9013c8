"""Reading, writing and validating a release in the CMED layout (user guide, seeds/003)."""
