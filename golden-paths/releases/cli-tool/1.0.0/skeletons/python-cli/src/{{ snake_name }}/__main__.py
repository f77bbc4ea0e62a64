"""`python -m PACKAGE` runs the command line."""

from .cli import main

main()
