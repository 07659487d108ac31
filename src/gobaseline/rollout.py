"""Adopting the gate on a repository with debt: suppressions in go.mod, the baseline file and `new_only`.

Applied once, to the findings with the policy's severities (`RunRecord.findings`), in this order:

1. fingerprints from the content of each finding's line (`gobaseline.fingerprint`);
2. suppressions: `// gobaseline:ignore GB404 reason` at the end of a go.mod line, or directly above it, makes
   that line's GB404 a note that records the reason; a comment without a reason, or naming no rule, suppresses
   nothing and is itself GB004; one that matched no finding although its rule's stage ran is GB007;
3. the baseline: a finding whose fingerprint has an entry is a note, "accepted until <date> (owner, ticket)";
   after the entry's expiry date it keeps its own severity, with a sentence saying the entry expired; an entry
   that matched nothing is GB005 (when its rule's stage ran and its target was built), so the file shrinks;
4. `new_only`, on a change under review: a finding on a line the change did not touch is a note.

On a change the baseline is the target's, read from git objects like the policy (`policy.in_force`), so a change
cannot accept its own new findings; a change that edits, adds or deletes the baseline file is told so (GB006, as
GB001 for the policy).
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline import git
from gobaseline.baseline import BASELINE_FILENAME, Baseline, Entry, read_at, read_file
from gobaseline.errors import GoModError
from gobaseline.fingerprint import Anchor, anchors, compute
from gobaseline.formats.options import sources_under
from gobaseline.model import Finding, Location, Severity, Stage

if TYPE_CHECKING:
    from gobaseline.policy import Policy
    from gobaseline.stages import Context

IGNORE = "gobaseline:ignore"
"""The word that starts a suppression comment in go.mod."""


@dataclass(frozen=True)
class Settings:
    """What a run asks of the rollout besides the policy (the command line's `--baseline` and `--new-only`)."""

    baseline: Path | None = None
    """The baseline file; default the policy's `baseline`, else `.gobaseline-baseline.json` in the module."""
    new_only: bool = False
    """As the policy's `new_only: true`."""
    accept: bool = True
    """False applies neither the baseline nor new_only: every finding as it is (`gobaseline baseline`)."""


@dataclass
class Rollout:
    """The suppressions, baseline and changed lines of one run; `apply` settles its findings."""

    root: Path
    policy: Policy
    today: dt.date
    sources: Mapping[str, str] = field(default_factory=dict)
    """Files already read, by repository path: each go.mod as read before any go command ran."""
    baseline: Baseline | None = None
    changed: Mapping[str, frozenset[int]] | None = None
    """The lines the change under review touched, by path, when new_only applies; None: it does not."""
    edits: list[Finding] = field(default_factory=list)
    """GB006: the change under review edits the baseline file (its target's copy is in force)."""
    _read: dict[str, str | None] = field(default_factory=dict, repr=False)

    def read(self, path: str) -> str | None:
        """A repository file's text, read once."""
        if path not in self._read:
            self._read[path] = self.sources[path] if path in self.sources else sources_under(self.root)(path)
        return self._read[path]

    def apply(self, findings: Iterable[Finding], *, ran: Collection[Stage], targets: Collection[str]) -> list[Finding]:
        """The findings settled: fingerprinted, suppressed, accepted and demoted as the module docstring says,
        with the findings about suppressions and the baseline (under the policy's severities) after them."""
        found = with_content(findings, self.read)
        gomods = {*self.sources, *(f.location.path for f in found if f.location and _is_gomod(f.location.path))}
        ignores, problems = self._ignores(sorted(gomods))
        entries = {e.fingerprint: e for e in self.baseline.entries} if self.baseline else {}
        used: set[str] = set()
        out = [self._settle(f, ignores, entries, used) for f in found]
        problems += _unused([c for c in ignores.values() if not c.used], ran, self.policy)
        problems += self._stale([e for e in entries.values() if e.fingerprint not in used], ran, targets)
        problems += self.edits
        out += with_content(self.policy.apply(problems), self.read)
        return [self._new_only(f) for f in out]

    def _settle(
        self,
        f: Finding,
        ignores: Mapping[tuple[str, int | None, str], _Ignore],
        entries: Mapping[str, Entry],
        used: set[str],
    ) -> Finding:
        """One finding suppressed or accepted; a suppressed finding's baseline entry counts as used."""
        loc = f.location
        ignore = ignores.get((loc.path, loc.line, f.rule_id)) if loc else None
        entry = entries.get(f.fingerprint)
        if entry is not None:
            used.add(entry.fingerprint)
        if ignore is not None:
            ignore.used = True
            return _demote(f, f"Suppressed in {loc.path if loc else 'go.mod'}: {ignore.reason}.")
        return self._accepted(f, entry) if entry is not None else f

    def _ignores(self, gomods: Iterable[str]) -> tuple[dict[tuple[str, int | None, str], _Ignore], list[Finding]]:
        """(go.mod path, line, rule id) -> the suppression, for every suppression comment, and GB004 for the bad
        ones."""
        from gobaseline.golang import modfile
        from gobaseline.rules import catalogue, rule

        ignores: dict[tuple[str, int | None, str], _Ignore] = {}
        problems = []
        for path in gomods:
            text = self.read(path)
            try:
                mod = modfile.parse(text or "", path, work=posixpath.basename(path) == "go.work")
            except GoModError:
                continue  # the go.mod stage reports it
            for c in mod.comments:
                if not c.text.startswith(IGNORE):
                    continue
                names, _, reason = c.text.removeprefix(IGNORE).strip().partition(" ")
                keys = [k for k in names.rstrip(":").split(",") if k]
                reason = reason.strip(" \t-:\u2013\u2014")
                unknown = [k for k in keys if catalogue().resolve(k) is None]
                why = ""
                if not keys or unknown:
                    why = (
                        f"names {unknown[0]!r}, which is no rule (see `gobaseline rules`)"
                        if unknown
                        else "names no rule"
                    )
                elif not reason:
                    why = f"gives no reason; write one after the rule: `// {IGNORE} {names} <why it is acceptable>`"
                if why:
                    problems.append(
                        rule("GB004").finding(f"`// {c.text}` {why}, so it suppresses nothing.", Location(path, c.line))
                    )
                    continue
                for key in keys:
                    found = catalogue().resolve(key)
                    if found is not None:
                        where = Location(path, c.line)
                        ignores[(path, c.directive_line, found.id)] = _Ignore(
                            found.id, reason.rstrip("."), where, c.text
                        )
        return ignores, problems

    def _accepted(self, f: Finding, entry: Entry) -> Finding:
        file = self.baseline.path if self.baseline else BASELINE_FILENAME
        who = f" ({entry.who()})" if entry.who() else ""
        if entry.expires is not None and entry.expired(self.today):
            return replace(
                f,
                message=f"{f.message} Its baseline entry{who} expired on {entry.expires.isoformat()}: fix it, or "
                f"renew the entry in {file}.",
            )
        until = f"until {entry.expires.isoformat()}" if entry.expires else "with no expiry"
        return _demote(f, f"Accepted {until}{who} in {file}.")

    def _stale(self, unused: list[Entry], ran: Collection[Stage], targets: Collection[str]) -> list[Finding]:
        """GB005 for each entry that matched nothing although its rule's stage ran and its target was built."""
        from gobaseline.rules import catalogue, rule

        if self.baseline is None:
            return []
        out = []
        for e in unused:
            known = catalogue().resolve(e.rule)
            if (known is not None and known.stage not in ran) or (e.target is not None and e.target not in targets):
                continue
            where = f" at {e.file}" if e.file else ""
            what = f" ({e.message[:120]})" if e.message else ""
            out.append(
                rule("GB005").finding(
                    f"The baseline entry for {e.rule}{where}{what} matches no finding: it was fixed or changed. "
                    "Remove the entry, or run `gobaseline baseline` to rewrite the file.",
                    Location(self.baseline.path, self.baseline.lines.get(e.fingerprint)),
                )
            )
        return out

    def _new_only(self, f: Finding) -> Finding:
        loc = f.location
        if self.changed is None or loc is None or f.severity is Severity.NOTE or f.rule_id in _ABOUT_THE_CHANGE:
            return f
        lines = self.changed.get(loc.path)
        if lines is not None and (loc.line is None or loc.line in lines):
            return f
        return _demote(f, "It is on a line this change did not touch (new_only), so it does not block the change.")


_ABOUT_THE_CHANGE = frozenset({"GB001", "GB006"})
"""Findings about what the change does to a file the gate reads from the target: new_only never demotes them."""


@dataclass
class _Ignore:
    """One rule a suppression comment names, and whether a finding used it."""

    rule: str
    reason: str
    comment: Location
    text: str
    used: bool = False


def _unused(ignores: Sequence[_Ignore], ran: Collection[Stage], policy: Policy) -> list[Finding]:
    """GB007 for each suppression that matched no finding although its rule's stage ran (and the policy does not
    turn the rule off)."""
    from gobaseline.rules import catalogue, rule

    out = []
    for ig in ignores:
        known = catalogue().get(ig.rule)
        if known is None or known.stage not in ran or policy.severity_for(known.id, known.severity) is None:
            continue
        out.append(
            rule("GB007").finding(
                f"`// {ig.text}` suppresses nothing: there is no {ig.rule} finding on the line it belongs to. The "
                "finding was fixed or moved: remove the comment, or put it on the line of the finding.",
                ig.comment,
            )
        )
    return out


def _demote(f: Finding, sentence: str) -> Finding:
    return replace(f, severity=Severity.NOTE, message=f"{f.message} {sentence}")


def _is_gomod(path: str) -> bool:
    """go.mod, or go.work (whose `replace` lines are checked like go.mod's, and suppressed the same way)."""
    return posixpath.basename(path) in ("go.mod", "go.work")


def prepare(ctx: Context, settings: Settings, *, in_force: bool, environ: Mapping[str, str]) -> Rollout:
    """The rollout of a run: go.mod as read up front, the baseline in force and, with new_only on a change, the
    lines the change touched. A bad baseline file raises BaselineError (exit 3)."""
    from gobaseline.policy.in_force import change_base

    sources = {
        ctx.rel(m.gomod_path): m.gomod_bytes.decode("utf-8", errors="replace")
        for m in ctx.modules
        if m.gomod_bytes is not None
    }
    rollout = Rollout(ctx.repo_root, ctx.policy, ctx.today, sources)
    if not settings.accept:
        return rollout
    base = change_base(environ) if in_force else None
    path = baseline_path(ctx, settings)
    rollout.baseline = _baseline_in_force(ctx, path, base)
    rollout.edits = _edits(ctx, path, base)
    if (settings.new_only or ctx.policy.new_only) and base:
        rollout.changed = git.changed_lines(ctx.repo_root, base)
    return rollout


def baseline_path(ctx: Context, settings: Settings) -> Path:
    """The baseline file: `--baseline` (relative to the working directory), else the policy's `baseline` or
    `.gobaseline-baseline.json`, relative to the module directory."""
    if settings.baseline is not None:
        return settings.baseline.absolute()
    return ctx.module_dir / (ctx.policy.baseline or BASELINE_FILENAME)


def _edits(ctx: Context, path: Path, base: str | None) -> list[Finding]:
    """GB006 when the change under review adds, edits, deletes or replaces the baseline file in force (read from
    the target's commit), as GB001 for the policy; nothing outside changes, for a file outside the repository, or
    when the target's commit is not in the clone (GB002 says so)."""
    from gobaseline.baseline import LIMIT
    from gobaseline.policy.in_force import changes
    from gobaseline.rules import rule

    rel = ctx.rel(path)
    if not base or Path(rel).is_absolute() or not git.has_commit(ctx.repo_root, base):
        return []
    return [
        rule("GB006").finding(
            f"This change {what}; the target's baseline ({base[:12]}) is in force for this run. Get the baseline "
            "change reviewed on its own (who owns each entry, until when); it applies once merged.",
            Location(file, 1),
        )
        for file, what in changes(ctx.repo_root, base, [rel], limit=LIMIT)
    ]


def _baseline_in_force(ctx: Context, path: Path, base: str | None) -> Baseline | None:
    """The working tree's file outside changes (or for a file outside the repository); the target's on a change.
    When the target's commit is not in the clone the policy failed closed (no baseline), unless it lowers GB002."""
    rel = ctx.rel(path)
    if base is None or Path(rel).is_absolute():
        return read_file(path, rel)
    if base and git.has_commit(ctx.repo_root, base):
        return read_at(ctx.repo_root, base, rel)
    if ctx.policy.severity_for("GB002", Severity.ERROR) is Severity.ERROR:
        return None
    return read_file(path, rel)


def with_content(findings: Iterable[Finding], read: Callable[[str], str | None]) -> list[Finding]:
    """The findings with fingerprints from their lines' content; each file is read once through `read` (a path
    relative to the repository root -> text, or None). A finding without a line, or whose file cannot be read,
    keeps a fingerprint from its other fields."""
    files: dict[str, Sequence[Anchor] | None] = {}
    out = []
    for f in findings:
        loc = f.location
        anchor = None
        if loc is not None and loc.line is not None and loc.line > 0:
            if loc.path not in files:
                text = read(loc.path)
                files[loc.path] = None if text is None else anchors(text)
            lines = files[loc.path]
            if lines is not None and loc.line <= len(lines):
                anchor = lines[loc.line - 1]
        fingerprint = compute(f.rule_id, loc.path if loc else None, f.target, f.message, anchor)
        out.append(f if fingerprint == f.fingerprint else replace(f, fingerprint=fingerprint))
    return out
