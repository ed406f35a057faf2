import subprocess
import sys


def test_engine_never_imports_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, tryon\n"
        "for m in pkgutil.iter_modules(tryon.__path__): importlib.import_module('tryon.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_help_is_instant_without_heavy_imports() -> None:
    code = (
        "import sys; from tryon.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('mediapipe', 'cv2') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
