"""`python -m mlopsc`: the same as the `mlopsc` command."""

from mlopsc.cli import main

if __name__ == "__main__":
    main()
