"""`python -m fichepress` runs the command line."""

from fichepress.cli import main

main()
