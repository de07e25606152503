"""Command line: build the solution PDF for a homework instance.

python build.py [--config problems/hw3.toml] [--out build] [--no-pdf]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from solver.errors import HW3Error

DEFAULT_CONFIG = Path("problems/hw3.toml")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="instance TOML file")
    parser.add_argument("--out", type=Path, default=Path("build"), help="output folder")
    parser.add_argument("--no-pdf", action="store_true", help="write .tex and results.json only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from report.pipeline import build  # after parsing, so --help stays instant

    try:
        build(args.config, args.out, pdf=not args.no_pdf)
    except HW3Error as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_status
    except OSError as err:
        print(f"error: {err.filename or args.out}: {err.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; the previous outputs are unchanged", file=sys.stderr)
        return 130
    outputs = "solution.tex, results.json" + ("" if args.no_pdf else ", solution.pdf")
    print(f"wrote {outputs} to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
