"""Sizes a reader can hold: no function over 80 lines, no module over 500 (migrations aside).
Ruff's C901/PLR0915 bound complexity and statements; length is bounded here."""

import ast
from pathlib import Path

from django.conf import settings

MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500
ROOTS = ("apps", "nexus")


def python_files():
    for root in ROOTS:
        for path in sorted((Path(settings.BASE_DIR) / root).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_over_500_lines():
    too_long = {
        str(path): count
        for path in python_files()
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long


def test_no_function_over_80_lines():
    too_long = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{path}:{node.lineno} {node.name} ({lines} lines)")
    assert not too_long
