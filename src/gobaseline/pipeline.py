"""The commands: the pipeline in one screen, and all file I/O of reports.

    policy -> checks (toolchain, go.mod, module cache, output dir) -> build -> verify -> probe
           -> Report -> formats (files first, always) -> forges

Stages return findings; this module applies the policy's severities once, writes every report file before
anything is posted (so a failing forge API never loses a result), and turns the verdict into the exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gobaseline import __version__, git
from gobaseline.errors import GobaselineError, GoCommandError, GoModError
from gobaseline.model import Artifact, ExitCode, Finding, Report, Severity, Stage, Verdict
from gobaseline.policy import Policy
from gobaseline.stages import Context, StageResult

if TYPE_CHECKING:
    from gobaseline.formats import RenderOptions
    from gobaseline.golang.gotool import Go

REPORT_FORMATS = ("json", "sarif", "codequality", "junit", "checkstyle", "summary", "text")
"""What `gobaseline run` always writes."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- setting up a run ----------------------------------------------------------------------------------------


def repository_root(module_dir: Path) -> Path:
    """The git top level above `module_dir`, or `module_dir` itself outside a git checkout."""
    return git.toplevel(module_dir) or module_dir


def discover_go(explicit: str | None, environ: Mapping[str, str]) -> Go | None:
    """The toolchain to use, or None when there is none (the toolchain stage reports GB112)."""
    from gobaseline.golang.gotool import Go

    try:
        return Go.discover(explicit, environ)
    except GoCommandError:
        if explicit:
            raise
        return None


@dataclass
class Run:
    """The state of one run: the context, and every stage's result in order."""

    ctx: Context
    stages: list[StageResult] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    """Files the stages wrote that publishers and step outputs name (`manifest`, `sha256sums`)."""
    extra_findings: list[Finding] = field(default_factory=list)
    """Findings from outside the stages (policy changed in the change under review, publish degraded)."""
    started_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def add(self, result: StageResult) -> StageResult:
        """Keep a stage's result; returns it."""
        self.stages.append(result)
        return result

    @property
    def blocking(self) -> bool:
        """True when an error-level finding (after policy severities) stops the pipeline."""
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def findings(self) -> list[Finding]:
        """All findings with the policy's severities applied."""
        raw = [f for s in self.stages for f in s.findings] + self.extra_findings
        return self.ctx.policy.apply(raw)

    def report(self) -> Report:
        """The Report of everything so far."""
        environment: dict[str, str] = {"gobaseline": __version__}
        for s in self.stages:
            environment.update(s.facts)
        timings: dict[str, float] = {}
        for s in self.stages:
            timings[s.stage.value] = timings.get(s.stage.value, 0.0) + s.seconds
        return Report(
            tool_version=__version__,
            root=str(self.ctx.repo_root),
            findings=tuple(_dedupe(self.findings)),
            checks=tuple(c for s in self.stages for c in s.checks),
            artifacts=tuple(self.artifacts),
            timings=timings,
            environment=environment,
            targets=self.ctx.targets,
            policy_source=self.ctx.policy.source,
            started_at=self.started_at,
        )


def _dedupe(findings: Sequence[Finding]) -> list[Finding]:
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.fingerprint not in seen:
            seen.add(f.fingerprint)
            out.append(f)
    return out


def make_context(
    path: Path,
    *,
    policy: Policy,
    go: Go | None,
    targets: Sequence[str] | None,
    output: Path | None,
) -> Context:
    """A Context for the module at `path`. Raises GoModError when there is no go.mod."""
    module_dir = path.resolve()
    if not module_dir.is_dir():
        raise GobaselineError("not a directory", path=str(path))
    if not (module_dir / "go.mod").is_file():
        raise GoModError(
            "no go.mod here; run `go mod init <module path>` or point gobaseline at the module directory",
            path=str(path),
        )
    out = output if output is not None else module_dir / policy.output_dir
    return Context(
        repo_root=repository_root(module_dir),
        module_dir=module_dir,
        policy=policy,
        go=go,
        targets=tuple(targets or policy.targets),
        output_dir=out if out.is_absolute() else (Path.cwd() / out),
    )


def timed(run: Run, stage: Stage, fn: Callable[[], StageResult]) -> StageResult:
    """Run one stage, record its wall time, keep its result."""
    start = time.perf_counter()
    result = fn()
    result.seconds = time.perf_counter() - start
    if result.stage is not stage:  # a stage must report under its own name
        raise AssertionError(f"stage {stage} returned a result for {result.stage}")
    return run.add(result)


def admission(run: Run) -> None:
    """Tier 1 to 3 and the go.mod policy, in an order where each can use what the previous found."""
    from concurrent.futures import ThreadPoolExecutor

    from gobaseline.stages import gomod, modcache, outdir, toolchain

    ctx = run.ctx
    with ThreadPoolExecutor(max_workers=1) as pool:
        # `go list -m all` may rewrite go.mod under -mod=mod (restored afterwards): every stage reads go.mod from
        # a snapshot taken first. Then the build list loads while the toolchain stage runs `go env`.
        if ctx.snapshot_gomod() and ctx.go is not None:
            ctx.build_list = pool.submit(modcache.list_build, ctx)
        _admission_stages(run, toolchain, gomod, modcache, outdir)


def _admission_stages(run: Run, toolchain: Any, gomod: Any, modcache: Any, outdir: Any) -> None:
    ctx = run.ctx
    tc = timed(run, Stage.TOOLCHAIN, lambda: toolchain.run(ctx))
    timed(run, Stage.GOMOD, lambda: gomod.run(ctx))
    if ctx.go is not None and not any(f.rule_id == "GB112" for f in tc.findings):
        timed(run, Stage.MODCACHE, lambda: modcache.run(ctx))
    else:
        skipped = StageResult(Stage.MODCACHE)
        skipped.skip("module-cache", "no usable go command")
        run.add(skipped)
    timed(run, Stage.OUTDIR, lambda: outdir.run(ctx))


def build_and_verify(run: Run, packages: Sequence[str] | None) -> None:
    """The hardened build and the verification of every binary, unless admission found a blocking problem."""
    from gobaseline.stages import build

    if run.blocking:
        skipped = StageResult(Stage.BUILD)
        skipped.skip("build", "admission found blocking problems")
        run.add(skipped)
        return
    start = time.perf_counter()
    outcome = build.run(run.ctx, packages=tuple(packages) if packages else None, progress=_log)
    outcome.build.seconds = outcome.build.seconds or (time.perf_counter() - start)
    run.add(outcome.build)
    run.add(outcome.verify)
    run.artifacts.extend(outcome.artifacts)
    if outcome.manifest_path is not None:
        run.files["manifest"] = outcome.manifest_path
    if outcome.sums_path is not None:
        run.files["sha256sums"] = outcome.sums_path


def probe_service(run: Run) -> None:
    """The optional start-up probe of the host target's binary."""
    from gobaseline.stages import probe

    pol = run.ctx.policy.probe
    if not pol.enabled:
        return
    binary = _probe_binary(run)
    if binary is None:
        skipped = StageResult(Stage.PROBE)
        skipped.skip("probe", "no binary for the host target was built")
        run.add(skipped)
        return
    stamped = _stamped_version(run.ctx.policy.build.ldflags)
    main_file = _main_file(run.ctx, pol.package)
    timed(
        run,
        Stage.PROBE,
        lambda: probe.run(
            run.ctx, binary, main_file=main_file, stamped_version=stamped, target=_host_target(run) or None
        ),
    )


def _host_target(run: Run) -> str:
    go = run.ctx.go
    if go is not None:
        return f"{go.env.get('GOHOSTOS', '')}/{go.env.get('GOHOSTARCH', '')}"
    return ""


def _probe_binary(run: Run) -> Path | None:
    pol = run.ctx.policy.probe
    if pol.binary:
        p = Path(pol.binary)
        return p if p.is_absolute() else run.ctx.module_dir / p
    host = _host_target(run)
    wanted = Path(pol.package).name if pol.package and pol.package != "." else None
    for a in run.artifacts:
        if a.target != host:
            continue
        path = Path(a.path)
        if not path.is_absolute():
            path = run.ctx.repo_root / path
        if wanted is None or path.stem == wanted:
            return path
    return None


def _stamped_version(ldflags: Sequence[str]) -> str | None:
    """The value given to `-X main.version=...` in the policy's ldflags, if any."""
    for flag in " ".join(ldflags).split():
        if flag.startswith("main.version="):
            return flag.split("=", 1)[1]
    return None


def _main_file(ctx: Context, package: str | None) -> str | None:
    pkg_dir = ctx.module_dir / (package or ".")
    main = pkg_dir / "main.go"
    return ctx.rel(main) if main.is_file() else None


# -- writing and printing ------------------------------------------------------------------------------------


def render_options(report: Report, ctx: Context | None = None) -> RenderOptions:
    """Options for every format: repository files readable for SARIF line hashes, findings about the machine
    placed on the module's go.mod, the code-scanning category from GOBASELINE_SARIF_CATEGORY."""
    from gobaseline.formats import RenderOptions, sources_under

    root = Path(report.root)
    fallback = ctx.rel(ctx.gomod_path) if ctx is not None else "go.mod"
    return RenderOptions(
        sarif_category=os.environ.get("GOBASELINE_SARIF_CATEGORY") or "gobaseline",
        fallback_path=fallback if not Path(fallback).is_absolute() else "go.mod",
        source_reader=sources_under(root) if root.is_absolute() and root.is_dir() else None,
    )


def write_reports(
    report: Report, formats: Sequence[str], directory: Path, options: RenderOptions | None = None
) -> dict[str, Path]:
    """Render and write each format to `directory`; returns format -> path. Never skips a format silently."""
    from gobaseline.formats import default_filename, render

    opts = options or render_options(report)
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in formats:
        path = directory / default_filename(fmt)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(render(fmt, report, options=opts), encoding="utf-8")
        tmp.replace(path)
        written[fmt] = path
    return written


def emit(
    report: Report, formats: Sequence[str], report_dir: Path | None, ctx: Context | None = None
) -> dict[str, Path]:
    """Print text to stdout; write each format to a file in `report_dir` when given, else print it."""
    from gobaseline.formats import render

    opts = render_options(report, ctx)
    written: dict[str, Path] = {}
    if report_dir is not None:
        written = write_reports(report, formats, report_dir, opts)
        print(render("text", report, options=opts), end="")
        for fmt, path in written.items():
            _log(f"gobaseline: wrote {fmt} report to {path}")
    else:
        for fmt in formats:
            sys.stdout.write(render(fmt, report, options=opts))
    sys.stdout.flush()
    return written


def exit_code(verdict: Verdict, fail_on: str | None) -> ExitCode:
    """0/1/2 by the verdict; with `fail_on`, 1 when the run should fail and 0 otherwise."""
    if fail_on is None:
        return verdict.exit_code
    if fail_on == "never":
        return ExitCode.PASS
    if verdict is Verdict.FAIL or (fail_on == "warning" and verdict is Verdict.WARN):
        return ExitCode.ERRORS
    return ExitCode.PASS


# -- the commands --------------------------------------------------------------------------------------------


def _policy_for(args: argparse.Namespace, module_dir: Path, environ: Mapping[str, str]) -> tuple[Policy, list[Finding]]:
    from gobaseline import policy as policy_mod

    if getattr(args, "command", "") == "run":
        # On a change under review the target branch's policy is in force (a change cannot relax its own gate).
        from gobaseline.policy.in_force import policy_in_force

        given = args.policy
        if given is None and (module_dir / policy_mod.POLICY_FILENAME).is_file():
            given = module_dir / policy_mod.POLICY_FILENAME
        return policy_in_force(repository_root(module_dir), environ, given)
    return policy_mod.load(args.policy, module_dir), []


def cmd_check(args: argparse.Namespace, *, build: bool = False) -> ExitCode:
    """`gobaseline check` and `gobaseline build`."""
    environ = dict(os.environ)
    module_dir = args.path.resolve()
    policy, extra = _policy_for(args, module_dir, environ) if module_dir.is_dir() else (Policy(), [])
    ctx = make_context(
        args.path,
        policy=policy,
        go=discover_go(args.go_command, environ),
        targets=args.targets,
        output=getattr(args, "output", None),
    )
    run = Run(ctx, extra_findings=extra)
    admission(run)
    if build:
        build_and_verify(run, args.packages)
    report = run.report()
    emit(report, args.formats, args.report_dir, ctx)
    return exit_code(report.verdict, args.fail_on or policy.fail_on)


def cmd_run(args: argparse.Namespace) -> ExitCode:
    """`gobaseline run`: the whole pipeline; report files always written before anything is posted."""
    from gobaseline.forges import detect

    environ = dict(os.environ)
    module_dir = args.path.resolve()
    if not module_dir.is_dir():
        raise GobaselineError("not a directory", path=str(args.path))
    policy, extra = _policy_for(args, module_dir, environ)
    ctx = make_context(
        args.path,
        policy=policy,
        go=discover_go(args.go_command, environ),
        targets=args.targets,
        output=args.output,
    )
    run = Run(ctx, extra_findings=extra)
    admission(run)
    if not args.no_build:
        build_and_verify(run, args.packages)
        probe_service(run)
    report = run.report()
    report_dir = args.report_dir or (ctx.output_dir / "reports")
    formats = tuple(dict.fromkeys((*REPORT_FORMATS, *args.formats)))
    files = write_reports(report, formats, report_dir, render_options(report, ctx))
    ci = detect(environ)
    fail_on: str | None = args.fail_on or policy.fail_on
    if not args.no_publish and ci.forge != "none":
        from gobaseline.forges import PublishOptions, publish

        options = PublishOptions.from_environ(environ, fail_on=fail_on or "error")
        result = publish(report, {**files, **run.files}, environ, options=options, stream=sys.stderr)
        if result.findings:
            report = replace(report, findings=report.findings + tuple(result.findings))
            files = write_reports(report, formats, report_dir, render_options(report, ctx))
    from gobaseline.formats import render

    opts = render_options(report, ctx)
    sys.stdout.write(render("text", report, options=opts))
    if ci.forge == "github":
        sys.stdout.write(render("github", report, options=opts))
    for fmt, path in files.items():
        _log(f"gobaseline: wrote {fmt} report to {path}")
    return exit_code(report.verdict, fail_on)


def cmd_verify(args: argparse.Namespace) -> ExitCode:
    """`gobaseline verify BIN...`: any Go binary, from the file itself."""
    import json

    from gobaseline import policy as policy_mod
    from gobaseline.golang.releases import Baseline, Releases
    from gobaseline.stages.verify import verify_files

    cwd = Path.cwd()
    policy = policy_mod.load(args.policy, cwd)
    go = discover_go(args.go_command, os.environ)
    manifest = None
    if args.manifest is not None:
        try:
            manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise GobaselineError(f"cannot read the build manifest: {e}", path=str(args.manifest)) from e
    baseline = Baseline.from_policy(policy.go_versions, Releases.snapshot())
    result, artifacts = verify_files(args.binaries, go=go, baseline=baseline, manifest=manifest, root=cwd)
    report = Report(
        tool_version=__version__,
        root=str(cwd),
        findings=tuple(policy.apply(result.findings)),
        checks=tuple(result.checks),
        artifacts=tuple(artifacts),
        timings={"verify": result.seconds},
        policy_source=policy.source,
    )
    emit(report, args.formats, args.report_dir)
    return exit_code(report.verdict, args.fail_on or policy.fail_on)


def cmd_report(args: argparse.Namespace) -> ExitCode:
    """`gobaseline report REPORT.json --format F`: re-render a saved report."""
    from gobaseline.formats.json_report import load

    report = load(args.report)
    emit(report, args.formats, args.report_dir)
    return report.verdict.exit_code


def cmd_merge(args: argparse.Namespace) -> ExitCode:
    """`gobaseline merge A.json B.json -o merged.json`."""
    from gobaseline.formats.json_report import dumps, load
    from gobaseline.merge import merge

    merged = merge([load(p) for p in args.reports])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps(merged), encoding="utf-8")
    _log(f"gobaseline: merged {len(args.reports)} reports into {args.output}: {merged.verdict.value}")
    return merged.verdict.exit_code


def cmd_publish(args: argparse.Namespace) -> ExitCode:
    """`gobaseline publish REPORT.json`: post a saved report (the fork-PR `workflow_run` pattern)."""
    from gobaseline.forges import PublishOptions, publish
    from gobaseline.formats.json_report import load

    report = load(args.report)
    report_dir = args.report_dir or args.report.parent
    files = write_reports(report, REPORT_FORMATS, report_dir)
    publish(report, files, os.environ, options=PublishOptions.from_environ(os.environ), stream=sys.stderr)
    return report.verdict.exit_code


def cmd_rules(args: argparse.Namespace) -> ExitCode:
    """`gobaseline rules`: the catalogue as text, Markdown (docs/rules.md) or JSON."""
    import json

    from gobaseline.rules import catalogue, to_markdown

    if args.format == "markdown":
        sys.stdout.write(to_markdown())
    elif args.format == "json":
        rules = [
            {
                "id": r.id,
                "name": r.name,
                "stage": r.stage.value,
                "severity": r.severity.value,
                "title": r.title,
                "help": r.help,
                "help_uri": r.help_uri,
            }
            for r in catalogue().values()
        ]
        sys.stdout.write(json.dumps(rules, indent=2) + "\n")
    else:
        for r in catalogue().values():
            print(f"{r.id}  {r.severity.value:<7}  {r.name:<34} {r.title}")
    return ExitCode.PASS


def dispatch(args: argparse.Namespace) -> ExitCode:
    """Run the command named in `args`."""
    match args.command:
        case "check":
            return cmd_check(args)
        case "build":
            return cmd_check(args, build=True)
        case "run":
            return cmd_run(args)
        case "verify":
            return cmd_verify(args)
        case "report":
            return cmd_report(args)
        case "merge":
            return cmd_merge(args)
        case "publish":
            return cmd_publish(args)
        case "rules":
            return cmd_rules(args)
    raise GobaselineError(f"unknown command {args.command!r}")
