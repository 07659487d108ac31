"""CycloneDX 1.5 SBOM of one binary, from the build info the linker embedded in it (policy `build.sbom: true`).

The build info lists exactly the modules compiled into the binary, so the SBOM describes the file that ships, not
the module graph. Built with cyclonedx-python-lib, imported only when an SBOM is asked for.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packageurl import PackageURL

    from gobaseline.binaries.buildinfo import BuildInfo
    from gobaseline.model import Artifact


def _purl(path: str, version: str) -> PackageURL:
    from packageurl import PackageURL

    namespace, _, name = path.rpartition("/")
    return PackageURL(type="golang", namespace=namespace or None, name=name, version=version or None)


def bom_json(info: BuildInfo, artifact: Artifact, *, tool_version: str) -> str:
    """The SBOM of `artifact` as CycloneDX 1.5 JSON. Deterministic: the serial number derives from the sha256."""
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot5

    main_path = info.path or artifact.path
    main = Component(
        name=main_path,
        version=info.main_version or None,
        type=ComponentType.APPLICATION,
        bom_ref=f"main:{artifact.target}:{artifact.path}",
        purl=_purl(main_path, info.main_version) if info.path else None,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=artifact.sha256)],
        properties=[
            Property(name="gobaseline:target", value=artifact.target),
            Property(name="gobaseline:go_version", value=info.go_version),
            *(Property(name=f"go:build:{k}", value=v) for k, v in sorted(info.settings.items())),
        ],
    )
    bom = Bom(serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"sha256:{artifact.sha256}"))
    bom.metadata.component = main
    bom.metadata.tools.components.add(
        Component(name="gobaseline", version=tool_version, type=ComponentType.APPLICATION)
    )
    deps = []
    for path, version in info.deps:
        ref = f"pkg:golang/{path}@{version}"
        dep = Component(name=path, version=version, type=ComponentType.LIBRARY, bom_ref=ref, purl=_purl(path, version))
        bom.components.add(dep)
        deps.append(dep)
    bom.register_dependency(main, deps)
    return str(JsonV1Dot5(bom).output_as_string(indent=2)) + "\n"
