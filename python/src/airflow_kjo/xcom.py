"""XCom from ``::kube_api:xcom={...}`` log lines.

Example::

    xcom_value_parser('{"a": 2}')  # {"a": 2}
    xcom_value_parser("[1]")       # raises XComParseError
"""

from __future__ import annotations

import json
from typing import Any, Dict


class XComParseError(ValueError):
    """An xcom event whose value is not a JSON object (or not what the parser wants)."""


def xcom_value_parser(value: str) -> Dict[str, Any]:
    """The default ``parse_xcom_event``: the value must be a JSON object; its keys become XCom keys."""
    try:
        parsed = json.loads(value.strip())
    except ValueError as error:
        raise XComParseError(f"xcom event value must be a JSON object: {error}: {value[:200]!r}") from error
    if not isinstance(parsed, dict):
        raise XComParseError(f"xcom event value must be a JSON object, got {type(parsed).__name__}: {value[:200]!r}")
    return parsed
