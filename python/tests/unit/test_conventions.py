"""Package conventions: logger calls take %-style arguments, never a message formatted
before the call (f-string, ``%``, ``+`` or ``str.format``)."""

import ast
from pathlib import Path

import pytest

SOURCES = sorted((Path(__file__).resolve().parents[2] / "src").rglob("*.py"))
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}


def _f_string_log_calls(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in LOG_METHODS:
            continue
        target = node.func.value
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if "log" not in name.lower():
            continue
        message = node.args[1 if node.func.attr == "log" else 0] if len(node.args) > (node.func.attr == "log") else None
        formatted = (
            isinstance(message, ast.Call)
            and isinstance(message.func, ast.Attribute)
            and message.func.attr == "format"
        )
        if formatted or isinstance(message, ast.JoinedStr) or (
            isinstance(message, ast.BinOp) and isinstance(message.op, (ast.Mod, ast.Add))
        ):
            yield f"{path.name}:{node.lineno}"


def test_sources_found():
    assert len(SOURCES) > 10


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_logger_calls_use_percent_arguments(path):
    assert list(_f_string_log_calls(path)) == []


def test_the_check_finds_each_way_of_formatting_a_message_early(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "log.info(f'a {x}')\n"
        "self.log.warning('a %s' % x)\n"
        "_log.error('a ' + x)\n"
        "logger.debug('a {}'.format(x))\n"
        "self.log.log(20, f'a {x}')\n"
        "log.info('a %s', x)\n"
    )
    assert list(_f_string_log_calls(source)) == [f"sample.py:{n}" for n in (1, 2, 3, 4, 5)]
