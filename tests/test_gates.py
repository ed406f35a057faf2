"""The gates CI runs with the tests: lint, format, strict typing of the engine, and the import contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("ruff", "check", "tryon", "ui", "tests", "docs"), id="ruff-check"),
        pytest.param(("ruff", "format", "--check", "tryon", "ui", "tests", "docs"), id="ruff-format"),
        pytest.param(("mypy",), id="mypy-strict"),  # packages and strictness from pyproject.toml
        pytest.param(("lint-imports",), id="import-contracts"),
    ],
)
def test_gate_passes(command: tuple[str, ...]) -> None:
    result = _run(str(BIN / command[0]), *command[1:])
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
