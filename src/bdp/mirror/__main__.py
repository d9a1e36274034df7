"""`python -m bdp.mirror build|verify`, the same as `bdp mirror build|verify`."""

import argparse
import sys

from bdp import mirror
from bdp.mirror.cli import add_commands


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bdp.mirror",
        description=mirror.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_commands(parser)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
