"""The gates CI runs with the tests: lint, format, strict typing of the engine, and the import contracts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("ruff", "check", "tryon", "ui", "tests", "docs"), id="ruff-check"),
        pytest.param(("ruff", "format", "--check", "tryon", "ui", "tests", "docs"), id="ruff-format"),
        pytest.param(("mypy",), id="mypy-strict"),  # packages and strictness from pyproject.toml
        pytest.param(("lint-imports",), id="import-contracts"),
    ],
)
def test_gate_passes(command: tuple[str, ...], processes) -> None:  # noqa: ANN001
    result = processes.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, timeout_s=100)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
