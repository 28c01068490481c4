"""``resolve_relative_path`` as the original had it: a path relative to the calling file.

Example::

    resolve_relative_path("./templates/job.yaml")  # "/opt/airflow/dags/templates/job.yaml" from a DAG there
"""

import inspect
import os


def resolve_path(src: str, basepath: str) -> str:
    """``src`` made absolute against ``basepath`` (``~`` expanded; absolute paths unchanged)."""
    src = os.path.expanduser(src)
    if os.path.isabs(src):
        return src
    return os.path.abspath(os.path.join(basepath, src))


def resolve_relative_path(src: str, caller_offset: int = 0) -> str:
    """``src`` relative to the directory of the calling file (``caller_offset`` frames further up)."""
    frame = inspect.stack()[1 + caller_offset]
    return resolve_path(src, os.path.dirname(os.path.abspath(frame.filename)))
