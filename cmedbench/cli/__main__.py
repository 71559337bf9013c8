"""`python -m cmedbench.cli` runs the command line."""

from . import main

main()
