import subprocess
import sys

import pytest


@pytest.fixture
def fresh_python(processes):  # noqa: ANN001, ANN201
    """Run code in a new interpreter, so only what it imports is loaded."""

    def run(code: str) -> subprocess.CompletedProcess[str]:
        return processes.run([sys.executable, "-c", code], timeout_s=100)

    return run


def test_engine_never_imports_qt(fresh_python) -> None:  # noqa: ANN001
    code = (
        "import sys, pkgutil, importlib, tryon\n"
        "for m in pkgutil.walk_packages(tryon.__path__, 'tryon.'): importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = fresh_python(code)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_help_is_instant_without_heavy_imports(fresh_python) -> None:  # noqa: ANN001
    code = (
        "import sys; from tryon.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('mediapipe', 'cv2') if m in sys.modules))"
    )
    result = fresh_python(code)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_public_api_names_resolve_lazily(fresh_python) -> None:  # noqa: ANN001
    code = (
        "import sys, tryon\n"
        "assert 'cv2' not in sys.modules and 'mediapipe' not in sys.modules\n"
        "missing = [name for name in tryon.__all__ if getattr(tryon, name, None) is None]\n"
        "print(missing); sys.exit(1 if missing else 0)\n"
    )
    result = fresh_python(code)
    assert result.returncode == 0, result.stdout + result.stderr
