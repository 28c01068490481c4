"""The task body: reading body files, normalizing what the user gave, and
the one override kjo's CLI cannot take alongside a body (the image).

Example::

    body_text({"apiVersion": "v1", "kind": "Pod"})   # '{"apiVersion": "v1", "kind": "Pod"}'
    body_text([{"kind": "Job"}, {"kind": "Service"}])  # a JSON list: several resources
    resolve_body_path("job.yaml", search=["/dags"])    # "/dags/job.yaml" when it exists there
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence

MAIN_CONTAINER_ANNOTATION = "kubernetes_job_operator.main_container"
TEMPLATE_EXTENSIONS = (".yaml", ".yml", ".json")


def caller_directory(skip_modules: Sequence[str] = ("airflow_kjo", "airflow")) -> Optional[str]:
    """Directory of the first frame outside this package and Airflow: the DAG file's.

    Example::

        caller_directory()  # "/opt/airflow/dags" when called while a DAG file builds a task
    """
    for frame in inspect.stack()[1:]:
        module = frame.frame.f_globals.get("__name__", "")
        if any(module == m or module.startswith(m + ".") for m in skip_modules):
            continue
        filename = frame.filename
        if filename and not filename.startswith("<") and os.path.isfile(filename):
            return os.path.dirname(os.path.abspath(filename))
    return None


def body_search_path(dag: Any) -> List[Optional[str]]:
    """Where a relative body file is looked for: the calling DAG file's directory,
    then the DAG's folder and its ``template_searchpath`` (``dag`` may be None).

    Example::

        resolve_body_path("job.yaml", body_search_path(task.dag))
    """
    folder = getattr(dag, "folder", None) if dag is not None else None
    search = getattr(dag, "template_searchpath", None) if dag is not None else None
    if isinstance(search, str):
        search = [search]
    return [caller_directory(), folder, *(search or [])]


def resolve_body_path(path: str, search: Iterable[Optional[str]]) -> str:
    """An absolute path for a body file: as given if absolute, else the first of ``search``
    (directories) where it exists, else relative to the working directory.

    Raises FileNotFoundError naming every place looked at.
    """
    expanded = os.path.expanduser(path)
    if os.path.isabs(expanded):
        if os.path.isfile(expanded):
            return expanded
        raise FileNotFoundError(f"body_filepath {path!r}: no such file")
    looked: List[str] = []
    for directory in [*search, os.getcwd()]:
        if not directory:
            continue
        candidate = os.path.abspath(os.path.join(directory, expanded))
        if candidate in looked:
            continue
        looked.append(candidate)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f"body_filepath {path!r}: not found (looked at {', '.join(looked)})")


def read_body_file(path: str) -> str:
    """The text of a body file; ends with a newline, so Airflow never takes it for a file name."""
    text = Path(path).read_text(encoding="utf-8")
    return text if text.endswith("\n") else text + "\n"


def body_text(body: Any) -> Optional[str]:
    """A body as kjo's ``--body`` takes it: a string as is, a dict or list as JSON.

    Raises TypeError for anything else.
    """
    if body is None:
        return None
    if isinstance(body, str):
        return body
    if isinstance(body, (dict, list, tuple)):
        if isinstance(body, (list, tuple)) and not all(isinstance(d, dict) for d in body):
            raise TypeError("body: a list body must hold only dicts (one per resource)")
        return json.dumps(list(body) if isinstance(body, tuple) else body, default=str)
    raise TypeError(f"body: must be a YAML/JSON string, a dict or a list of dicts, got {type(body).__name__}")


def _documents(body: Any) -> List[Any]:
    if isinstance(body, dict):
        return [body]
    if isinstance(body, (list, tuple)):
        return list(body)
    import yaml  # a dependency of Airflow

    docs = [d for d in yaml.safe_load_all(str(body)) if d is not None]
    if len(docs) == 1 and isinstance(docs[0], list):
        return docs[0]
    return docs


def _pod_spec(document: dict) -> Optional[dict]:
    spec = document.get("spec")
    if not isinstance(spec, dict):
        return None
    if document.get("kind") == "Pod":
        return spec
    template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        return template["spec"]
    return None


def override_image(body: Any, image: str) -> str:
    """The body (as JSON) with the main container of the first resource using ``image``.

    The main container is the one the ``kubernetes_job_operator.main_container``
    annotation names, else the first. kjo's ``--image`` builds a default body
    instead, so the override is applied here.
    """
    docs = _documents(body)
    if not docs or not isinstance(docs[0], dict):
        raise ValueError("body: the first document must be a resource (a mapping)")
    first = docs[0]
    pod_spec = _pod_spec(first)
    containers = pod_spec.get("containers") if pod_spec else None
    if not isinstance(containers, list) or not containers:
        raise ValueError(
            f"image: the first resource ({first.get('kind')}) has no containers to set the image on"
        )
    wanted = (first.get("metadata") or {}).get("annotations", {}).get(MAIN_CONTAINER_ANNOTATION)
    main = next((c for c in containers if isinstance(c, dict) and c.get("name") == wanted), containers[0])
    main["image"] = image
    return json.dumps(docs, default=str)
