"""Kubernetes objects as plain dicts, without importing the kubernetes client.

KubernetesPodOperator users pass ``kubernetes.client`` models (``V1EnvVar``,
``V1Toleration``, ...) or dicts. Models carry ``openapi_types`` and
``attribute_map`` (python name → JSON name), which is all it takes to turn
them into the JSON a body needs.

Example::

    to_k8s({"limits": {"cpu": "1"}})  # unchanged
    to_k8s(V1EnvVar(name="A", value="1"))  # {"name": "A", "value": "1"}
    env_list({"A": 1, "B": "x"})  # [{"name": "A", "value": "1"}, {"name": "B", "value": "x"}]
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List


def to_k8s(value: Any) -> Any:
    """A kubernetes client model, dict, list or scalar as JSON-ready data (camelCase keys)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_k8s(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple, set)):
        return [to_k8s(v) for v in value]
    attribute_map = getattr(value, "attribute_map", None)
    openapi_types = getattr(value, "openapi_types", None)
    if isinstance(attribute_map, dict) and isinstance(openapi_types, dict):
        out: Dict[str, Any] = {}
        for attr in openapi_types:
            item = getattr(value, attr, None)
            if item is not None:
                out[attribute_map.get(attr, attr)] = to_k8s(item)
        return out
    if hasattr(value, "to_dict"):
        return to_k8s(value.to_dict())
    return str(value)


def env_list(env_vars: Any) -> List[Dict[str, Any]]:
    """Container ``env`` from a dict (name → value) or a list of V1EnvVar / dicts."""
    if not env_vars:
        return []
    if isinstance(env_vars, dict):
        return [{"name": str(k), "value": "" if v is None else str(v)} for k, v in env_vars.items()]
    out = []
    for item in env_vars:
        field_path = getattr(item, "field_path", None)
        if field_path and not hasattr(item, "openapi_types"):  # airflow's old PodRuntimeInfoEnv
            out.append({"name": str(item.name), "valueFrom": {"fieldRef": {"fieldPath": str(field_path)}}})
            continue
        data = to_k8s(item)
        if isinstance(data, dict) and "value" in data and data["value"] is not None:
            data["value"] = str(data["value"])
        out.append(data)
    return out


def secret_parts(secrets: Any) -> Dict[str, List[Dict[str, Any]]]:
    """``env``, ``envFrom``, ``volumes`` and ``volumeMounts`` for KubernetesPodOperator ``Secret`` objects.

    A Secret has ``deploy_type`` ("env" or "volume"), ``deploy_target`` (env var
    name or mount path), ``secret`` (the secret's name), ``key`` and ``items``.
    """
    parts: Dict[str, List[Dict[str, Any]]] = {"env": [], "envFrom": [], "volumes": [], "volumeMounts": []}
    for index, secret in enumerate(secrets or []):
        deploy_type = getattr(secret, "deploy_type", None)
        name = getattr(secret, "secret", None)
        target = getattr(secret, "deploy_target", None)
        key = getattr(secret, "key", None)
        if deploy_type == "env" and target and key:
            parts["env"].append({"name": target, "valueFrom": {"secretKeyRef": {"name": name, "key": key}}})
        elif deploy_type == "env":
            parts["envFrom"].append({"secretRef": {"name": name}})
        elif deploy_type == "volume":
            volume_name = f"secretvol{index}"
            volume: Dict[str, Any] = {"name": volume_name, "secret": {"secretName": name}}
            items = getattr(secret, "items", None)
            if items:
                volume["secret"]["items"] = to_k8s(items)
            parts["volumes"].append(volume)
            mount: Dict[str, Any] = {"name": volume_name, "mountPath": target, "readOnly": True}
            if key and not items:
                mount["subPath"] = key
            parts["volumeMounts"].append(mount)
        else:
            raise ValueError(f"secrets[{index}]: unknown deploy_type {deploy_type!r} (env or volume)")
    return parts
