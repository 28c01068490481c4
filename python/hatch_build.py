"""Hatchling build hook: bundles kjo and puts the bundle into the wheel (and sdist).

``pip install ./python`` and ``pip wheel ./python`` work from a clean
checkout: the hook runs ``deno bundle`` itself, with the ``deno`` binary of
the PyPI ``deno`` package (a build requirement), and ships the result as
``airflow_kjo/_bundle/kjo.js``, run at task time by the same package's deno.
An Airflow image needs neither Node nor a separate download.

Where the bundle comes from, first found wins:

1. ``$KJO_BUNDLE``: a kjo.js to package as is;
2. the repository's sources (``../cli.ts`` and ``../deno.json``): bundled now;
3. ``src/airflow_kjo/_bundle/kjo.js``: the bundle an sdist made by this hook holds.

An sdist is built the same way (it carries the bundle, so a wheel built from
it needs no Deno sources). An editable install (``pip install -e``) needs no
bundle: it runs ``KJO_BINARY``, ``kjo`` on PATH or the repository's bundle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE_IN_PACKAGE = "airflow_kjo/_bundle/kjo.js"


def find_deno() -> str:
    """The deno binary that bundles kjo: ``$KJO_DENO``, the PyPI package's, or deno on PATH."""
    if os.environ.get("KJO_DENO"):
        return os.environ["KJO_DENO"]
    try:
        import deno  # the PyPI package, a build requirement

        return deno.find_deno_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("deno")
        if found:
            return found
    raise RuntimeError("airflow-kjo: no deno to bundle kjo with: install the PyPI package `deno` or set KJO_DENO")


def bundle_sources(repo: Path, out: Path) -> Path:
    """Runs ``deno bundle`` on the repository's ``cli.ts``; returns the bundle's path."""
    target = out / "kjo.js"
    done = subprocess.run(
        [find_deno(), "bundle", "--platform", "deno", "-o", str(target), "cli.ts"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "DENO_NO_UPDATE_CHECK": "1", "NO_COLOR": "1"},
        timeout=900,
    )
    if done.returncode != 0 or not target.is_file():
        raise RuntimeError(f"airflow-kjo: deno bundle failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return target


class KjoBundleHook(BuildHookInterface):
    """Adds the kjo bundle to the built distribution."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        self._tmp = None
        if version == "editable":
            return
        root = Path(self.root)
        bundle = None
        if os.environ.get("KJO_BUNDLE"):
            bundle = Path(os.environ["KJO_BUNDLE"])
            if not bundle.is_file():
                raise RuntimeError(f"airflow-kjo: KJO_BUNDLE={bundle} is not a file")
        elif (root.parent / "cli.ts").is_file() and (root.parent / "deno.json").is_file():
            self._tmp = tempfile.mkdtemp(prefix="kjo-bundle-")
            bundle = bundle_sources(root.parent, Path(self._tmp))
        elif (root / "src" / BUNDLE_IN_PACKAGE).is_file():
            bundle = root / "src" / BUNDLE_IN_PACKAGE
        else:
            raise RuntimeError(
                "airflow-kjo: the kjo bundle is missing: build from the kjo repository (python/ next to "
                "cli.ts and deno.json), from an sdist that holds src/airflow_kjo/_bundle/kjo.js, or point "
                "KJO_BUNDLE at a kjo.js."
            )
        target = BUNDLE_IN_PACKAGE if self.target_name == "wheel" else f"src/{BUNDLE_IN_PACKAGE}"
        build_data.setdefault("force_include", {})[str(bundle.resolve())] = target

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if getattr(self, "_tmp", None):
            shutil.rmtree(self._tmp, ignore_errors=True)
