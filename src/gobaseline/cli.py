"""The `gobaseline` command line: arguments to each command's typed options, the one error handler, exit codes.

Exit codes: 0 pass, 1 blocking findings, 2 warnings only, 3 user or internal error, 130 interrupted. A
`GobaselineError` prints one line; any other exception is a bug and prints a traceback with exit 3.
"""

from __future__ import annotations

import sys

from gobaseline import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the name)
if TYPE_CHECKING:
    import argparse
    import datetime as dt
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any, NoReturn

    from gobaseline.model import ExitCode

# `--version` imports nothing, `--help` only argparse: every other import waits for the command that needs it
# (tests/commands/test_lazy_imports.py). Exit codes are spelled as numbers here for that reason.
_INTERNAL = 3
_INTERRUPTED = 130


def _path(value: str) -> Path:
    from pathlib import Path

    return Path(value)


FAIL_ON = ["error", "warning", "never", "policy"]
"""--fail-on's values; `policy` is the policy's fail_on with error for a policy without one (exit codes 0/1)."""
POSTED_FAIL_ON = ["error", "warning", "never"]
"""--fail-on's values for publish and merge, which have no checkout and so no policy to ask."""
PUBLISH_FAIL_ON = (
    "which findings fail the posted check run and status, and exit 1 (else 0); pass the run's own fail-on "
    "(default: errors fail what is posted; exit 0/1/2 by the verdict)"
)


def _targets(value: str) -> tuple[str, ...]:
    import argparse

    items = tuple(t.strip() for t in value.split(",") if t.strip())
    for t in items:
        if t.count("/") != 1 or not all(t.split("/")):
            raise argparse.ArgumentTypeError(f"{t!r} is not GOOS/GOARCH (e.g. linux/amd64)")
    if not items:
        raise argparse.ArgumentTypeError("no targets given")
    return items


def _formats(value: str) -> tuple[str, ...]:
    import argparse

    from gobaseline.formats import FORMAT_NAMES

    items = tuple(f.strip() for f in value.split(",") if f.strip())
    for f in items:
        if f not in FORMAT_NAMES:
            raise argparse.ArgumentTypeError(f"unknown format {f!r}; choose from {', '.join(FORMAT_NAMES)}")
    return items


def _date(value: str) -> dt.date:
    import argparse
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _module(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default=".", type=_path, help="the Go module directory (default: .)")
    p.add_argument("--policy", type=_path, help="policy file (default: .gobaseline.yml in the module, if any)")
    p.add_argument("--targets", type=_targets, help="GOOS/GOARCH list, comma-separated")
    p.add_argument("--go", dest="go_command", help="the go command to use (default: the first on PATH)")
    p.add_argument(
        "--baseline", type=_path, help="baseline file (default: the policy's baseline, else .gobaseline-baseline.json)"
    )


def _common(p: argparse.ArgumentParser, *, build: bool) -> None:
    _module(p)
    p.add_argument(
        "--new-only", action="store_true", help="on a pull or merge request, findings on untouched lines are notes"
    )
    p.add_argument(
        "--format", dest="formats", type=_formats, default=("text",), help="output format(s), comma-separated"
    )
    p.add_argument("--output-dir", dest="report_dir", type=_path, help="write each format to a file in DIR")
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 on these findings and 0 otherwise; policy: the policy's fail_on, else error "
        "(default: the policy's fail_on, else 0/1/2 by verdict)",
    )
    if build:
        p.add_argument("--output", dest="output", type=_path, help="directory for the binaries")
        p.add_argument(
            "--package",
            dest="packages",
            action="append",
            help="package pattern to build (repeatable; default ./...: every main package)",
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, exposed for tests and docs."""
    import argparse

    class _Parser(argparse.ArgumentParser):
        """argparse with usage errors on exit code 3: exit 2 means "warnings only" to a pipeline."""

        def error(self, message: str) -> NoReturn:
            self.print_usage(sys.stderr)
            self.exit(_INTERNAL, f"{self.prog}: error: {message}\n")

        def _print_message(self, message: str, file: Any = None) -> None:
            # Errors (on stderr) name what the user typed: through the one writer, like every other line. `--help`
            # is our own text on stdout and keeps the short import path.
            if not message:
                return
            if file is None or file is sys.stderr:
                from gobaseline import console

                console.say(message.rstrip("\n"), sys.stderr)
            else:
                super()._print_message(message, file)

    parser = _Parser(
        prog="gobaseline",
        description="A build gate for Go repositories: admission checks, go.mod policy, hardened builds.",
    )
    parser.add_argument("--version", action="version", version=f"gobaseline {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="run the admission checks and the go.mod policy")
    _common(p, build=False)
    p.add_argument("--output", dest="output", type=_path, help="the build output directory to check")

    p = sub.add_parser("build", help="check, then build hardened binaries and verify them")
    _common(p, build=True)

    p = sub.add_parser("run", help="the whole pipeline: check, build, verify, probe, reports, publish")
    _common(p, build=True)
    p.add_argument("--no-build", action="store_true", help="stop after the admission checks")
    p.add_argument("--no-publish", action="store_true", help="write files only, post nothing to the forge")

    p = sub.add_parser("verify", help="verify Go binaries from the files themselves")
    p.add_argument("binaries", nargs="+", type=_path, help="binaries to verify")
    p.add_argument("--policy", type=_path, help="policy file")
    p.add_argument("--manifest", type=_path, help="build manifest to compare each binary with")
    p.add_argument("--go", dest="go_command", help="the go command to use")
    p.add_argument("--format", dest="formats", type=_formats, default=("text",))
    p.add_argument("--output-dir", dest="report_dir", type=_path)
    p.add_argument("--fail-on", choices=FAIL_ON, help="as for check")

    p = sub.add_parser("report", help="render a saved JSON report in other formats")
    p.add_argument("report", type=_path, help="a report written with --format json")
    p.add_argument("--format", dest="formats", type=_formats, default=("text",))
    p.add_argument("--output-dir", dest="report_dir", type=_path)

    p = sub.add_parser("merge", help="merge JSON reports of a sharded target matrix")
    p.add_argument("reports", nargs="+", type=_path)
    p.add_argument("-o", "--output", type=_path, required=True, help="the merged JSON report")
    p.add_argument("--publish", action="store_true", help="then post the merged report, as publish does")
    p.add_argument("--fail-on", choices=POSTED_FAIL_ON, help=PUBLISH_FAIL_ON)

    p = sub.add_parser("publish", help="post a saved JSON report to GitHub or GitLab")
    p.add_argument("report", type=_path)
    p.add_argument("--output-dir", dest="report_dir", type=_path, help="where the report files are")
    p.add_argument("--fail-on", choices=POSTED_FAIL_ON, help=PUBLISH_FAIL_ON)

    p = sub.add_parser("baseline", help="accept today's findings in the baseline file, so only new ones block")
    _module(p)
    p.add_argument("--owner", default="", help="owner of the new entries (a person or team)")
    p.add_argument("--ticket", default="", help="ticket that tracks the new entries")
    p.add_argument("--expires", type=_date, help="YYYY-MM-DD: the new entries block again after this day")

    p = sub.add_parser("rules", help="list the rule catalogue, or show one rule (gobaseline rules GB404)")
    p.add_argument("rule", nargs="?", help="a rule id or short name: its whole page")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")

    p = sub.add_parser("cacheprog", help="serve Go's build cache as GOCACHEPROG: private writes, a verified pool")
    p.add_argument("--dir", required=True, type=_path, help="the job-private cache directory (written)")
    p.add_argument("--pool", type=_path, help="a shared cache directory, read only; every object verified")

    p = sub.add_parser("cache", help="manage the verified build cache")
    cache = p.add_subparsers(dest="cache_command", required=True, metavar="ACTION")
    p = cache.add_parser("promote", help="copy a trusted run's verified cache objects into the shared pool")
    p.add_argument("--dir", required=True, type=_path, help="the run's private cache directory")
    p.add_argument("--pool", required=True, type=_path, help="the shared pool to fill")
    p.add_argument("--allow-change", action="store_true", help="allow it on a pull or merge request")
    return parser


def _common_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options `check`, `build` and `run` share."""
    return {
        "policy": args.policy,
        "targets": args.targets,
        "go_command": args.go_command,
        "formats": args.formats,
        "report_dir": args.report_dir,
        "fail_on": args.fail_on,
        "output": args.output,
        "packages": tuple(args.packages) if getattr(args, "packages", None) else None,
        "baseline": args.baseline,
        "new_only": args.new_only,
    }


def options(args: argparse.Namespace) -> tuple[Callable[[Any], ExitCode], object]:
    """The command named in `args` and its typed options; imports only that command's module."""
    match args.command:
        case "check":
            from gobaseline.commands import check

            return check.run, check.Options(args.path, **_common_options(args))
        case "build":
            from gobaseline.commands import build, check

            return build.run, check.Options(args.path, **_common_options(args))
        case "run":
            from gobaseline.commands import run

            return run.run, run.Options(
                args.path, **_common_options(args), build=not args.no_build, publish=not args.no_publish
            )
        case "verify":
            from gobaseline.commands import verify

            return verify.run, verify.Options(
                tuple(args.binaries),
                policy=args.policy,
                manifest=args.manifest,
                go_command=args.go_command,
                formats=args.formats,
                report_dir=args.report_dir,
                fail_on=args.fail_on,
            )
        case "report":
            from gobaseline.commands import report

            return report.run, report.Options(args.report, formats=args.formats, report_dir=args.report_dir)
        case "merge":
            from gobaseline.commands import merge

            return merge.run, merge.Options(
                tuple(args.reports), args.output, publish=args.publish, fail_on=args.fail_on
            )
        case "publish":
            from gobaseline.commands import publish

            return publish.run, publish.Options(args.report, report_dir=args.report_dir, fail_on=args.fail_on)
        case "baseline":
            from gobaseline.commands import baseline

            return baseline.run, baseline.Options(
                args.path,
                policy=args.policy,
                targets=args.targets,
                go_command=args.go_command,
                baseline=args.baseline,
                owner=args.owner,
                ticket=args.ticket,
                expires=args.expires,
            )
        case "rules":
            from gobaseline.commands import rules

            return rules.run, rules.Options(args.format, rule=args.rule)
        case "cacheprog":
            from gobaseline.commands import cache

            return cache.serve, cache.Options(args.dir, args.pool)
        case "cache":
            from gobaseline.commands import cache

            return cache.promote, cache.Options(args.dir, args.pool, allow_change=args.allow_change)
    from gobaseline.errors import GobaselineError

    raise GobaselineError(f"unknown command {args.command!r}")


def guarded(fn: Callable[[], int]) -> int:
    """Call `fn`; the one error handler: a GobaselineError is one line and exit 3, a bug a traceback and exit 3."""
    from gobaseline import console
    from gobaseline.errors import GobaselineError

    try:
        return int(fn())
    except GobaselineError as e:
        console.say(f"gobaseline: error: {e.explain()}")
        return _INTERNAL
    except KeyboardInterrupt:
        console.say("gobaseline: interrupted")
        return _INTERRUPTED
    except BrokenPipeError:
        return _INTERNAL
    except Exception:
        import traceback

        console.say(traceback.format_exc())
        console.say("gobaseline: internal error (a bug in gobaseline); please report it with the traceback above")
        return _INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--version"]:
        # What argparse's version action prints, without importing argparse: half the cost of a start.
        print(f"gobaseline {__version__}")
        return 0
    args = build_parser().parse_args(argv)

    def call() -> int:
        command, opts = options(args)
        return command(opts)

    return guarded(call)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
