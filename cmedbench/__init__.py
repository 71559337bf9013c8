"""cmedbench: dataset management and benchmark suite for CMED-style micro-expression releases."""

__version__ = "0.1.0"
