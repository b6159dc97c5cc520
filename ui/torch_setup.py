"""'Set up PyTorch...': the plan (which Python, which commands) and what a failure means. No Qt here.

QGIS runs Python inside its own program, so ``sys.executable`` is often QGIS itself (``/usr/bin/qgis``,
``qgis-bin.exe``, ``QGIS.app/Contents/MacOS/QGIS``), not a Python that can create a venv. find_python()
looks for the interpreter QGIS embeds, checking that it reports the same major.minor version (the venv's
site-packages must match the running Python):

1. ``sys.executable`` when it is a python binary (embedded Python may report the first ``python3`` on the
   PATH; tests run from a Python);
2. the interpreter of ``sys.base_prefix`` / ``sys.exec_prefix``: ``bin/python3.X`` on Linux (``/usr`` on
   Debian), ``python.exe`` on Windows (OSGeo4W and the standalone installer set it to ``apps/Python3X``),
   ``bin/python3.X`` in the bundled Python.framework on macOS;
3. next to QGIS's prefix (``QgsApplication.prefixPath()``): ``../../apps/Python3X/python.exe`` (OSGeo4W),
   ``bin/python3`` and ``../Frameworks/Python.framework/Versions/3.X/bin/python3`` (macOS bundle);
4. ``python3.X`` / ``python3`` on the PATH.

A candidate of the same installation (its ``sys.base_prefix`` is QGIS's) wins over one that only has the same
version (e.g. a pyenv shim first on the PATH).

The venv is created with ``--system-site-packages`` so QGIS's numpy and GDAL stay visible, and the plugin
(ui/runtime.py) appends its site-packages after QGIS's own.
"""
from __future__ import annotations

import glob
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

TORCH_VERSION = "2.13.0"  # the pins of requirements.txt (a test keeps them equal)
SAFETENSORS_VERSION = "0.8.0"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: Windows' PyPI torch is CPU-only, so CUDA comes from PyTorch's index; Linux x86_64's PyPI torch is the
#: CUDA build already
CUDA_INDEX = "https://download.pytorch.org/whl/cu126"
#: free space asked for before starting, in bytes: download, unpacked wheels and pip's temporary copies
SPACE_NEEDED = {"cpu": 2 * 1024**3, "cuda": 8 * 1024**3}
DOWNLOAD_TEXT = {"cpu": "about 200 MB to download, 1 GB on disk",
                 "cuda": "about 3 GB to download, 6 GB on disk"}
VARIANTS = ("cpu", "cuda")
PIP = ("-m", "pip", "install", "--disable-pip-version-check", "--no-input")


class SetupError(Exception):
    """A setup problem in one line (shown as it is)."""


@dataclass(frozen=True)
class Step:
    """One command of the setup: title (shown as the stage), argv, share of the progress bar; pip: a pip
    install (its output gives progress); cleanup_venv: the venv is new, remove it when the setup fails."""

    title: str
    argv: Tuple[str, ...]
    share: float
    pip: bool = False


@dataclass
class SetupPlan:
    """Everything the background task runs: steps in order, in a venv that may be created by the first."""

    python: str
    venv: str
    variant: str
    steps: List[Step] = field(default_factory=list)
    creates_venv: bool = False


def _probe(python: str) -> Optional[Tuple[str, str]]:
    """('3.11', its sys.base_prefix) as reported by running `python`; None when it does not run."""
    code = "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.base_prefix)"
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=30, **no_window())
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.strip().splitlines()
    return (lines[0], lines[1]) if out.returncode == 0 and len(lines) == 2 else None


def no_window() -> dict:
    """subprocess keyword arguments that keep a console window from flashing up on Windows."""
    return {"creationflags": 0x08000000} if os.name == "nt" else {}  # CREATE_NO_WINDOW


def _candidates(prefix_path: str) -> List[str]:
    """Possible interpreters of the running Python, most likely first (see the module docstring)."""
    major, minor = sys.version_info[:2]
    names = [f"python{major}.{minor}", f"python{major}", "python"]
    found = [sys.executable] if os.path.basename(sys.executable or "").lower().startswith("python") else []
    for prefix in dict.fromkeys((sys.base_prefix, sys.exec_prefix)):
        found += [os.path.join(prefix, "bin", n) for n in names] + [os.path.join(prefix, "python.exe")]
    if prefix_path:
        found += glob.glob(os.path.join(prefix_path, "..", "..", "apps", f"Python{major}{minor}",
                                        "python.exe"))
        found += [os.path.join(prefix_path, "bin", n) for n in names]
        found += glob.glob(os.path.join(prefix_path, "..", "Frameworks", "Python.framework", "Versions",
                                        f"{major}.{minor}", "bin", f"python{major}"))
    found += [p for p in (shutil.which(n) for n in names[:2]) if p]
    return list(dict.fromkeys(os.path.normpath(p) for p in found))


def find_python(prefix_path: str = "") -> str:
    """The interpreter of the Python QGIS runs: same major.minor, preferably the same installation (same
    sys.base_prefix); SetupError (one line) when none is found."""
    wanted = f"{sys.version_info.major}.{sys.version_info.minor}"
    home = os.path.realpath(sys.base_prefix)
    same_version = []
    for path in _candidates(prefix_path):
        probe = _probe(path) if os.path.isfile(path) and os.access(path, os.X_OK) else None
        if probe is None or probe[0] != wanted:
            continue
        if os.path.realpath(probe[1]) == home:  # the very installation QGIS runs (not e.g. a pyenv one)
            return path
        same_version.append(path)
    if same_version:
        return same_version[0]
    raise SetupError(f"cannot find the Python {wanted} interpreter that QGIS uses (looked next to "
                     f"{sys.base_prefix} and on the PATH): install PyTorch by hand, see the README section "
                     "'Installing PyTorch'")


def nvidia_gpu() -> str:
    """The first NVIDIA GPU's name as nvidia-smi reports it; '' when there is none (or no driver)."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return ""
    try:
        out = subprocess.run([exe, "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=10, **no_window())
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    return lines[0] if out.returncode == 0 and lines else ""


def venv_python(venv: str) -> str:
    """The venv's interpreter (Scripts\\python.exe on Windows, bin/python elsewhere)."""
    if os.name == "nt":
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def torch_index(variant: str, system: str = "", machine: str = "") -> Tuple[str, ...]:
    """pip arguments choosing the torch build: CPU from PyTorch's CPU index (much smaller) except on macOS
    (PyPI's build is the only one); CUDA from PyPI on Linux x86_64, else from PyTorch's CUDA index."""
    system, machine = system or platform.system(), (machine or platform.machine()).lower()
    if variant == "cpu":
        return () if system == "Darwin" else ("--index-url", CPU_INDEX)
    if system == "Linux" and machine in ("x86_64", "amd64"):
        return ()
    return ("--index-url", CUDA_INDEX)


def plan_setup(python: str, venv: str, variant: str, packages: Sequence[Tuple[str, Sequence[str]]] = (),
               check: str = "torch, safetensors") -> SetupPlan:
    """The commands: create the venv (when it has no interpreter yet), pip install each (title, pip
    arguments) of `packages` (default: the pinned torch build of `variant`, then safetensors), then import
    `check` in the venv's Python to prove the install."""
    if variant not in VARIANTS:
        raise SetupError(f"unknown PyTorch build '{variant}'; choose one of: {', '.join(VARIANTS)}")
    plan = SetupPlan(python, venv, variant, creates_venv=not os.path.isfile(venv_python(venv)))
    if plan.creates_venv:
        plan.steps.append(Step("creating the environment", (python, "-m", "venv", "--system-site-packages",
                                                             venv), 0.08))
    if not packages:
        packages = ((f"installing PyTorch {TORCH_VERSION} ({variant.upper()})",
                     (f"torch=={TORCH_VERSION}", *torch_index(variant))),
                    (f"installing safetensors {SAFETENSORS_VERSION}",
                     (f"safetensors=={SAFETENSORS_VERSION}",)))
    left = 1.0 - sum(s.share for s in plan.steps) - 0.04
    weights = [0.9] + [0.1] * (len(packages) - 1) if len(packages) > 1 else [1.0]
    for (title, args), weight in zip(packages, weights):
        plan.steps.append(Step(title, (venv_python(venv), *PIP, *args), left * weight / sum(weights), True))
    plan.steps.append(Step("checking the installation", (venv_python(venv), "-c", f"import {check}"), 0.04))
    return plan


def free_space_problem(venv: str, variant: str) -> Optional[str]:
    """One line when the venv's disk has less free space than the setup needs, else None."""
    folder = venv
    while folder and not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    try:
        free = shutil.disk_usage(folder or os.sep).free
    except OSError:
        return None
    need = SPACE_NEEDED.get(variant, 0)
    if free >= need:
        return None
    return (f"not enough disk space: {free / 1024**3:.1f} GB free in {folder}, the {variant.upper()} build "
            f"needs about {need / 1024**3:.0f} GB; free some space and try again")


NETWORK_SIGNS = ("temporary failure in name resolution", "name or service not known",
                 "network is unreachable", "failed to establish a new connection", "connection refused",
                 "read timed out",
                 "connecttimeout", "proxyerror", "max retries exceeded", "getaddrinfo failed",
                 "no route to host", "connection aborted", "connection reset")


def explain_failure(step: Step, lines: Sequence[str], returncode: int) -> str:
    """One clear line for a failed step, from its output: no network, no space, no venv module, no permission,
    no build for this Python, else pip's (or Python's) last error line."""
    text = "\n".join(lines[-400:]).lower()
    if "no space left on device" in text or "errno 28" in text:
        return f"{step.title} failed: the disk is full; free some space and try again"
    if any(sign in text for sign in NETWORK_SIGNS):
        return (f"{step.title} failed: no connection to the package index (pypi.org, download.pytorch.org); "
                "check the network or proxy and try again")
    if "ensurepip" in text or "no module named venv" in text:
        return ("cannot create the environment: this Python lacks the venv module (Debian / Ubuntu: sudo apt "
                "install python3-venv)")
    if "permission denied" in text or "errno 13" in text:
        return f"{step.title} failed: no permission to write the environment's folder"
    if "no matching distribution found" in text:
        return (f"{step.title} failed: no build for Python {sys.version_info.major}.{sys.version_info.minor} "
                f"on {platform.system()} {platform.machine()} in the package index")
    errors = [line.strip() for line in lines if line.strip().lower().startswith(("error:", "error "))]
    last = errors[-1] if errors else next((line.strip() for line in reversed(lines) if line.strip()), "")
    return f"{step.title} failed (exit code {returncode}){': ' + last if last else ''}"


def pip_progress(line: str) -> Optional[float]:
    """Fraction of a pip install step suggested by one output line (None: no news). 'Progress N of M' (pip's
    raw progress bar, pip >= 24.1) maps the download to 0.1-0.8; the stage lines step it otherwise."""
    text = line.strip()
    if text.startswith("Progress ") and " of " in text:
        try:
            done, total = (int(v) for v in text[len("Progress "):].split(" of ", 1))
        except ValueError:
            return None
        return 0.1 + 0.7 * done / total if total > 0 else None
    for start, fraction in (("Collecting ", 0.05), ("Downloading ", 0.1), ("Installing collected", 0.85),
                            ("Successfully installed", 1.0), ("Requirement already satisfied", 0.5)):
        if text.startswith(start):
            return fraction
    return None


def pip_supports_raw_progress(version_text: str) -> bool:
    """True for 'pip 24.1 from ...' or later: `--progress-bar raw` prints 'Progress N of M' lines."""
    try:
        major, minor = (int(v) for v in version_text.split()[1].split(".")[:2])
    except (IndexError, ValueError):
        return False
    return (major, minor) >= (24, 1)
