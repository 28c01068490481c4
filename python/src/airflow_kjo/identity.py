"""Labels that identify an Airflow task instance's run, so a retry or a
restarted worker can find and reattach to a run that is still alive.

Identity labels (passed as ``--identity-label``): ``kjo/dag-id``,
``kjo/task-id``, ``kjo/run-key`` (a short hash of the Airflow run id) and
``kjo/map-index``. ``kjo/try-number`` is a plain label: every try of a task
instance shares the identity, so a retry finds the run of an earlier try.

Label values are at most 63 characters of ``[A-Za-z0-9._-]``, starting and
ending with a letter or digit; ``sanitize_label_value`` makes any text one,
adding a hash when it had to change it so different ids stay different.

Example::

    identity_labels(dag_id="etl", task_id="load.part_1", run_id="manual__2024-01-01T00:00:00+00:00", map_index=-1)
    # {"kjo/dag-id": "etl", "kjo/task-id": "load.part_1", "kjo/run-key": "6f1c...", "kjo/map-index": "none"}
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Dict, Optional

DAG_ID_LABEL = "kjo/dag-id"
TASK_ID_LABEL = "kjo/task-id"
RUN_KEY_LABEL = "kjo/run-key"
MAP_INDEX_LABEL = "kjo/map-index"
TRY_NUMBER_LABEL = "kjo/try-number"

_VALID = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_INVALID_CHARS = re.compile(r"[^-A-Za-z0-9_.]+")
MAX_LABEL_VALUE = 63


def short_hash(text: str, length: int = 16) -> str:
    """A hex digest prefix of ``text`` (sha256).

    Example::

        short_hash("manual__2024-01-01")  # 16 hex characters
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def sanitize_label_value(text: str) -> str:
    """``text`` as a valid label value; unchanged when it already is one.

    Example::

        sanitize_label_value("my dag/é")  # "my-dag-<8 hex>"
    """
    if len(text) <= MAX_LABEL_VALUE and _VALID.match(text):
        return text
    cleaned = _INVALID_CHARS.sub("-", text).strip("-_.")
    suffix = short_hash(text, 8)
    cleaned = cleaned[: MAX_LABEL_VALUE - len(suffix) - 1].strip("-_.")
    return f"{cleaned}-{suffix}" if cleaned else suffix


def identity_labels(*, dag_id: str, task_id: str, run_id: str, map_index: Optional[int]) -> Dict[str, str]:
    """The identity labels of one task instance (all of its tries)."""
    index = -1 if map_index is None else int(map_index)
    return {
        DAG_ID_LABEL: sanitize_label_value(dag_id),
        TASK_ID_LABEL: sanitize_label_value(task_id),
        RUN_KEY_LABEL: short_hash(run_id),
        MAP_INDEX_LABEL: "none" if index < 0 else str(index),
    }


def identity_from_context(context: Any) -> Dict[str, str]:
    """Identity labels of the task instance in an Airflow context.

    Example::

        identity_from_context(context)[TASK_ID_LABEL]
    """
    ti = context["ti"]
    return identity_labels(
        dag_id=ti.dag_id, task_id=ti.task_id, run_id=ti.run_id, map_index=getattr(ti, "map_index", -1)
    )


def try_number_from_context(context: Any) -> str:
    """The ``kjo/try-number`` label value of the running try."""
    ti = context["ti"]
    return str(getattr(ti, "try_number", 0) or 0)
