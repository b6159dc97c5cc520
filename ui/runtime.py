"""Make PyTorch importable in the Python that QGIS runs, or say clearly why it is not.

Desktop QGIS and qgis_process use the system Python, which usually lacks torch. The plugin first
tries a plain ``import torch``; if that fails it appends the site-packages of a virtual environment
to sys.path (appended, so QGIS's own numpy/GDAL keep precedence) and tries again. Venvs looked at,
in order: $PANSHARPEN_ADAPT_VENV, ``.venv`` in the plugin folder (a developer checkout), and
``$XDG_DATA_HOME/pansharpen_adapt/venv`` (default ~/.local/share/pansharpen_adapt/venv).
No Qt or QGIS imports here.
"""
from __future__ import annotations

import glob
import importlib
import os
import sys
from typing import List, Optional

from .places import data_dir

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_ENV = "PANSHARPEN_ADAPT_VENV"
README_HINT = "use 'Set up PyTorch...' in the plugin's menu (README: 'Installing PyTorch')"

_problem: Optional[str] = None
_checked = False


def default_venv() -> str:
    """The per-user venv 'Set up PyTorch...' creates (~/.local/share/pansharpen_adapt/venv)."""
    return os.path.join(data_dir(), "venv")


def candidate_venvs() -> List[str]:
    """Venv folders to look in, most specific first."""
    venvs = [os.environ.get(VENV_ENV, ""), os.path.join(PLUGIN_DIR, ".venv"), default_venv()]
    return [v for v in venvs if v]


def site_packages(venv: str) -> List[str]:
    """site-packages folders of a venv that match this Python's version (POSIX and Windows layouts)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = glob.glob(os.path.join(venv, "lib", version, "site-packages"))
    found += glob.glob(os.path.join(venv, "Lib", "site-packages"))
    return [p for p in found if os.path.isdir(p)]


def _try_import() -> Optional[str]:
    try:
        import torch  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - broken CUDA libraries raise OSError, not ImportError
        lines = str(exc).strip().splitlines()
        return f"{type(exc).__name__}: {lines[0] if lines else 'no message'}"
    return None


def _describe(error: str) -> str:
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    return (f"PyTorch cannot be imported by the Python {py} that QGIS uses ({error}); "
            f"install it for that Python or in {default_venv()}: {README_HINT}")


def _engine_error() -> Optional[str]:
    """Import the engine's torch-using part once torch imports: a torch from a venv built for
    another Python, or a broken dependency, shows up here rather than at the first run."""
    try:
        from ..engine import pansharpen  # noqa: F401 - loads the engine's torch-using modules
    except Exception as exc:  # noqa: BLE001 - any failure means nothing can run; say why in one line
        lines = str(exc).strip().splitlines()
        return (f"the Pansharpen & Adapt engine cannot be loaded ({type(exc).__name__}: "
                f"{lines[0] if lines else 'no message'}); {README_HINT}")
    return None


def torch_problem() -> Optional[str]:
    """None when torch and the engine import (after adding a venv if needed); else one line. Cached."""
    global _problem, _checked
    if _checked:
        return _problem
    error = _try_import()
    if error is not None:
        for venv in candidate_venvs():
            for path in site_packages(venv):
                if path not in sys.path:
                    sys.path.append(path)
            error = _try_import()
            if error is None:
                break
    _problem = _describe(error) if error is not None else _engine_error()
    _checked = True
    return _problem


def _forget_failed_torch() -> None:
    """Drop what a failed 'import torch' left in sys.modules (submodules that loaded before the failure), so
    the next import starts afresh from the new site-packages instead of mixing two installations."""
    if "torch" not in sys.modules:
        for name in [n for n in sys.modules if n.startswith("torch.")]:
            del sys.modules[name]


def activate_venv(venv: str) -> Optional[str]:
    """After PyTorch was installed into `venv` while QGIS runs: put its site-packages on sys.path, forget the
    cached answer and check again. None when torch and the engine now import (no restart needed); else the
    one-line problem, which then needs a QGIS restart (e.g. a broken torch was loaded before)."""
    global _checked
    for path in site_packages(venv):
        if path not in sys.path:
            sys.path.append(path)
    importlib.invalidate_caches()  # the folders existed before (empty): their listing is cached
    _forget_failed_torch()
    _checked = False
    return torch_problem()


def torch_summary() -> str:
    """'PyTorch 2.x, CUDA available (GPU name)' or 'PyTorch 2.x, no CUDA GPU: CPU'; torch must import."""
    import torch

    if torch.cuda.is_available():
        return f"PyTorch {torch.__version__}, CUDA GPU: {torch.cuda.get_device_name(0)}"
    return f"PyTorch {torch.__version__}, no CUDA GPU visible to torch: runs on the CPU"
