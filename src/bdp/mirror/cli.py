"""The `mirror` sub-command and its `build` and `verify` sub-commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bdp.errors import BdpError
from bdp.mirror.build import build
from bdp.mirror.components import FACTORIES, plan
from bdp.mirror.errors import MirrorError
from bdp.mirror.verify import verify
from bdp.mirror.versions import load_versions
from bdp.paths import VERSIONS_FILE, repo_root


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `mirror build` and `mirror verify` to a top-level command's sub-commands."""
    from bdp import mirror

    parser = subparsers.add_parser(
        "mirror",
        help="build or verify the offline artifact mirror",
        description=mirror.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_commands(parser)


def add_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="mirror_command", metavar="COMMAND", required=True)
    build_parser = commands.add_parser(
        "build",
        help="build the mirror's archives from Maven Central and PyPI",
        description="Build a release-archive mirror from package registries. Re-runs reuse"
        " archives whose inputs did not change, and the caches in ~/.m2 and DEST/.cache.",
    )
    build_parser.add_argument(
        "--only",
        type=_component_list,
        metavar="NAMES",
        help=f"comma-separated components to build (default: all of {','.join(FACTORIES)})",
    )
    _common_options(build_parser)
    build_parser.set_defaults(func=run_build)
    verify_parser = commands.add_parser(
        "verify",
        help="re-check every archive against its .sha512",
        description="Re-hash every archive under DEST and compare it with its .sha512 file;"
        " exit non-zero naming each mismatch.",
    )
    _common_options(verify_parser)
    verify_parser.set_defaults(func=run_verify)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dest", type=Path, metavar="DIR", help="mirror directory (default: REPO_ROOT/mirror)"
    )
    parser.add_argument(
        "--repo-root",
        type=Path,
        metavar="PATH",
        help=f"repository holding {VERSIONS_FILE} (default: found above the current"
        " directory or this package)",
    )


def _component_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FACTORIES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown component(s) {', '.join(unknown) or '(none given)'};"
            f" choose from {','.join(FACTORIES)}"
        )
    return names


def _repo_root(explicit: Path | None) -> Path:
    if explicit is None:
        try:
            return repo_root()
        except BdpError as exc:
            raise MirrorError(f"{exc}; pass --repo-root") from exc
    if not (explicit / VERSIONS_FILE).is_file():
        raise MirrorError(f"--repo-root {explicit}: no {VERSIONS_FILE} there")
    return explicit


def _say(message: str) -> None:
    print(message, flush=True)


def run_build(args: argparse.Namespace) -> int:
    try:
        root = _repo_root(args.repo_root)
        source = root / VERSIONS_FILE
        components = plan(load_versions(source), source, args.only)
        build((args.dest or root / "mirror").resolve(), components, _say)
    except MirrorError as exc:
        print(f"bdp mirror build: error: {exc}", file=sys.stderr)
        return 1
    return 0


def run_verify(args: argparse.Namespace) -> int:
    try:
        dest = args.dest or _repo_root(args.repo_root) / "mirror"
    except MirrorError as exc:
        print(f"bdp mirror verify: error: {exc}", file=sys.stderr)
        return 1
    problems = verify(dest.resolve(), _say)
    for problem in problems:
        print(f"bdp mirror verify: {problem}", file=sys.stderr)
    return 1 if problems else 0
