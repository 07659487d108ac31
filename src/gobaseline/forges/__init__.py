"""The forges: each is a package that owns its CI context, its workflow commands and its API client.

`forges.github` and `forges.gitlab` are the only modules that import PyGithub and python-gitlab (lazily, on
first use). Callers use `detect` and `publish` here; `forges.publishing` has what the publishers share.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from gobaseline.forges.context import CIContext, ForgeKind
from gobaseline.forges.github.publisher import GitHubPublisher
from gobaseline.forges.gitlab.publisher import GitLabPublisher
from gobaseline.forges.publishing import ForgeError, Posted, Publisher, PublishOptions, PublishResult, Sleep
from gobaseline.model import Report

__all__ = [
    "PUBLISHERS",
    "CIContext",
    "ForgeError",
    "ForgeKind",
    "Posted",
    "PublishOptions",
    "PublishResult",
    "Publisher",
    "detect",
    "publish",
]

PUBLISHERS: dict[str, Publisher] = {ForgeKind.GITHUB: GitHubPublisher(), ForgeKind.GITLAB: GitLabPublisher()}
"""Every forge gobaseline publishes to, by `ForgeKind` value."""


def detect(environ: Mapping[str, str], *, token_var: str | None = None) -> CIContext:
    """The context of the job whose environment is `environ`. `token_var` names the token's variable."""
    for publisher in PUBLISHERS.values():
        ctx = publisher.detect(environ, token_var)
        if ctx is not None:
            return ctx
    return CIContext(ForgeKind.NONE)


def publish(
    report: Report,
    files: Mapping[str, Path],
    environ: Mapping[str, str],
    *,
    options: PublishOptions,
    stream: TextIO | None = None,
    sleep: Sleep = time.sleep,
) -> PublishResult:
    """Post `report` to the forge named by `environ`. `files` maps format names (`sarif`, `summary`, `json`,
    `manifest`, ...) to the report files already written. Never raises for a forge failure."""
    ctx = detect(environ, token_var=options.token_var)
    publisher = PUBLISHERS.get(ctx.forge)
    if publisher is None:
        return PublishResult(ForgeKind.NONE)
    out = stream if stream is not None else sys.stdout
    return publisher.publish(report, files, ctx, environ=environ, options=options, stream=out, sleep=sleep)
