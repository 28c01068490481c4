"""Hatchling build hook: puts the kjo bundle into the wheel (and sdist).

The bundle is ``dist/kjo.js`` at the repository root, made by
``deno task bundle``. It lands in the wheel as ``airflow_kjo/_bundle/kjo.js``
and is run by the ``deno`` binary of the PyPI ``deno`` package, so an Airflow
image needs neither Node nor a separate download::

    deno task bundle && pip wheel --no-deps ./python

Where the bundle is looked for, first found wins: ``$KJO_BUNDLE``,
``../dist/kjo.js`` (the repository's), ``src/airflow_kjo/_bundle/kjo.js``
(an sdist built by this hook). A standard (non-editable) build fails without
one; an editable install (``pip install -e``) does not need it.
"""

from __future__ import annotations

import os
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE_IN_PACKAGE = "airflow_kjo/_bundle/kjo.js"


def find_bundle(root: Path) -> Path | None:
    """The kjo bundle to package, or None."""
    candidates = [
        os.environ.get("KJO_BUNDLE"),
        root.parent / "dist" / "kjo.js",
        root / "src" / BUNDLE_IN_PACKAGE,
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).resolve()
    return None


class KjoBundleHook(BuildHookInterface):
    """Adds the kjo bundle to the built distribution."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return
        bundle = find_bundle(Path(self.root))
        if bundle is None:
            raise RuntimeError(
                "airflow-kjo: the kjo bundle is missing. Build it first with "
                "`deno task bundle` (writes dist/kjo.js at the repository root), "
                "or point KJO_BUNDLE at a kjo.js, then build again: "
                "`deno task bundle && pip wheel --no-deps ./python`."
            )
        target = BUNDLE_IN_PACKAGE if self.target_name == "wheel" else f"src/{BUNDLE_IN_PACKAGE}"
        build_data.setdefault("force_include", {})[str(bundle)] = target
