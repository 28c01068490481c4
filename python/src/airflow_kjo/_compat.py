"""Imports that moved between Airflow 2.10+ and Airflow 3.

Airflow 3 puts the operator API in ``airflow.sdk``; Airflow 2 has it in
``airflow.models`` and friends. Everything else in the package imports these
names from here.

Example::

    from airflow_kjo._compat import AirflowException, BaseOperator, conf
"""

from __future__ import annotations

try:  # Airflow 3
    from airflow.sdk import BaseOperator
except ImportError:  # Airflow 2.10+
    from airflow.models import BaseOperator  # type: ignore[no-redef]

try:  # Airflow 3
    from airflow.sdk.exceptions import AirflowException
except ImportError:  # Airflow 2.10+
    from airflow.exceptions import AirflowException  # type: ignore[no-redef]

try:  # Airflow 3
    from airflow.sdk import BaseHook
except ImportError:  # Airflow 2.10+
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef]

try:  # Airflow 3
    from airflow.sdk.exceptions import AirflowSkipException
except ImportError:  # Airflow 2.10+
    from airflow.exceptions import AirflowSkipException  # type: ignore[no-redef]

#: What a missing connection raises (Airflow 3 raises the task SDK's class; the
#: core one is caught too).
_not_found = []
for _module in ("airflow.sdk.exceptions", "airflow.exceptions"):
    try:
        _not_found.append(__import__(_module, fromlist=["AirflowNotFoundException"]).AirflowNotFoundException)
    except (ImportError, AttributeError):
        pass
AirflowNotFoundException = tuple(_not_found)

try:  # Airflow 3
    from airflow.sdk.log import mask_secret
except ImportError:  # Airflow 2.10+
    from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef]

try:  # Airflow 3 (a worker may have only the task SDK)
    from airflow.sdk import conf
except ImportError:  # Airflow 2.10+
    from airflow.configuration import conf  # type: ignore[no-redef]

try:
    from airflow.triggers.base import BaseTrigger, TriggerEvent
except ImportError:  # pragma: no cover - a worker without airflow-core
    BaseTrigger = None  # type: ignore[assignment,misc]
    TriggerEvent = None  # type: ignore[assignment,misc]

try:
    from airflow.version import version as AIRFLOW_VERSION
except ImportError:  # pragma: no cover
    AIRFLOW_VERSION = "0"

AIRFLOW_MAJOR = int(AIRFLOW_VERSION.split(".")[0])

__all__ = [
    "AIRFLOW_MAJOR",
    "AIRFLOW_VERSION",
    "AirflowException",
    "AirflowNotFoundException",
    "AirflowSkipException",
    "BaseHook",
    "BaseOperator",
    "BaseTrigger",
    "TriggerEvent",
    "conf",
    "mask_secret",
]
