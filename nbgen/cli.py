"""`nbgen` command line: argument parsing and exit codes only.

Exit codes: 0 ok, 1 a user error (a message, no traceback), 130 interrupted, 3 a bug.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from nbgen import __version__
from nbgen.errors import NbgenError

# subcommand → (module in nbgen.commands, one-line help). Modules load only when chosen,
# so `nbgen --help` stays fast.
COMMANDS: dict[str, tuple[str, str]] = {
    "new": ("new", "write a tailored Colab setup notebook"),
    "convert": ("convert", "turn notebooks into importable .py modules and back"),
    "sync": ("sync", "keep notebook and .py pairs in step (pre-commit hook)"),
    "clean": ("clean", "make notebooks render on GitHub; --outputs strips outputs (hook)"),
    "kaggle": ("kaggle", "Kaggle: download data; run a notebook on its GPUs, fetch its outputs"),
    "run": ("run", "run a notebook locally in a real kernel, with stand-ins for Colab"),
    "bench": ("bench", "ResNet-101/CIFAR-10 GPU benchmark: naive vs optimized training"),
    "lock": ("lock", "pin a notebook's recorded environment as requirements for your machine"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 on bad usage; nbgen's contract is 1 for every user error.
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(1)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser; only ``command``'s own flags are loaded."""
    parser = _Parser(prog="nbgen", description="Colab notebook toolchain.")
    parser.add_argument("--version", action="version", version=f"nbgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        if command is not None and name != command:
            continue  # a parser per subcommand costs start-up time that the hook pays each commit
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            _module(module).add_arguments(sub_parser)
    return parser


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"nbgen.commands.{name}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run nbgen; return the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if a in COMMANDS), None)
    args = build_parser(command).parse_args(args_list)
    if args.command is None:
        build_parser().print_help()
        return 1
    try:
        code: int = _module(COMMANDS[args.command][0]).run(args)
        return code
    except NbgenError as exc:
        print(f"nbgen {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:  # a file or folder of the user's: say which, and what to do
        from nbgen.fsutil import describe_os_error

        print(f"nbgen {args.command}: error: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:
        # imported here, not at start-up: the pre-commit hook starts nbgen on every commit
        from nbgen.runtime.platforms.env import NotebookStepError

        if isinstance(
            exc, NotebookStepError
        ):  # a runtime step's own user error (the same contract)
            print(f"nbgen {args.command}: error: {exc}", file=sys.stderr)
            return 1
        import traceback

        traceback.print_exc()
        print(
            "nbgen hit a bug (the traceback above); please report it with the command you ran.",
            file=sys.stderr,
        )
        return 3
