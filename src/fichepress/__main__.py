"""`python -m fichepress` runs the command line."""

from fichepress.cli import main

if __name__ == "__main__":  # the worker processes import this module again: they must not run it
    main(prog_name="fichepress")
