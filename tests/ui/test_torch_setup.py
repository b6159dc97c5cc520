"""'Set up PyTorch...' (issue 19 item 1): the plan, error lines, the background task with progress, log and
Cancel (pip mocked by small Python commands), and one real install of a local wheel into a new venv."""
from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import time
import zipfile

import pytest

TASK_TIMEOUT_MS = 120_000


def _fake_pip(script: str) -> tuple:
    """argv of a stand-in for 'python -m pip install ...': runs `script` (its output is pip-like)."""
    return (sys.executable, "-c", script, "install")


def _planner(steps: list, creates_venv: bool = False):
    from pansharpen_adapt.ui.torch_setup import SetupPlan

    def plan(python: str, venv: str, variant: str) -> SetupPlan:
        return SetupPlan(python, venv, variant, list(steps), creates_venv)

    return plan


PIP_OK = ("print('Collecting torch==2.13.0'); print('Downloading torch-2.13.0+cpu.whl (190.2 MB)');"
          "print('Installing collected packages: torch'); print('Successfully installed torch-2.13.0')")


def test_requirements_pins_are_the_setups() -> None:
    from pansharpen_adapt.ui import torch_setup

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(repo, "requirements.txt"), encoding="utf-8") as f:
        pins = dict(line.strip().split("==") for line in f if "==" in line)
    assert pins == {"torch": torch_setup.TORCH_VERSION, "safetensors": torch_setup.SAFETENSORS_VERSION}


def test_find_python_finds_an_interpreter_of_this_version() -> None:
    from pansharpen_adapt.ui.torch_setup import find_python

    python = find_python()
    out = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == str(tuple(sys.version_info[:2]))


def test_find_python_when_qgis_is_the_executable(monkeypatch) -> None:
    """Inside QGIS sys.executable is QGIS itself: the interpreter under sys.base_prefix is found instead."""
    from pansharpen_adapt.ui import torch_setup

    monkeypatch.setattr(sys, "executable", "/usr/bin/qgis")
    python = torch_setup.find_python()
    assert os.path.basename(python).startswith("python") and python != "/usr/bin/qgis"
    monkeypatch.setattr(torch_setup, "_candidates", lambda prefix: ["/nowhere/python3"])
    with pytest.raises(torch_setup.SetupError, match="Installing PyTorch"):
        torch_setup.find_python()


@pytest.mark.parametrize("variant, system, machine, index", [
    ("cpu", "Linux", "x86_64", ("--index-url", "https://download.pytorch.org/whl/cpu")),
    ("cuda", "Linux", "x86_64", ()),
    ("cuda", "Windows", "AMD64", ("--index-url", "https://download.pytorch.org/whl/cu126")),
    ("cpu", "Darwin", "arm64", ()),
])
def test_torch_build_choice(variant, system, machine, index) -> None:
    from pansharpen_adapt.ui.torch_setup import torch_index

    assert torch_index(variant, system, machine) == index


def test_plan_creates_the_venv_then_installs_torch_and_safetensors(tmp_path) -> None:
    from pansharpen_adapt.ui.torch_setup import SetupError, plan_setup, venv_python

    venv = str(tmp_path / "venv")
    plan = plan_setup("/usr/bin/python3", venv, "cpu")
    assert plan.creates_venv and [s.title.split()[0] for s in plan.steps] == [
        "creating", "installing", "installing", "checking"]
    assert plan.steps[0].argv == ("/usr/bin/python3", "-m", "venv", "--system-site-packages", venv)
    torch_step = plan.steps[1]
    assert torch_step.pip and torch_step.argv[0] == venv_python(venv) and "torch==2.13.0" in torch_step.argv
    assert "safetensors==0.8.0" in plan.steps[2].argv
    assert plan.steps[3].argv[-1] == "import torch, safetensors"
    assert sum(s.share for s in plan.steps) == pytest.approx(1.0)
    with pytest.raises(SetupError, match="unknown PyTorch build"):
        plan_setup("/usr/bin/python3", venv, "rocm")


@pytest.mark.parametrize("output, expected", [
    (["ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device"],
     "disk is full"),
    (["WARNING: Retrying ... NewConnectionError: Failed to establish a new connection: [Errno -3] Temporary "
      "failure in name resolution", "ERROR: No matching distribution found for torch==2.13.0"],
     "no connection to the package index"),
    (["Error: Command '['/x/bin/python3', '-m', 'ensurepip']' returned non-zero exit status 1."],
     "lacks the venv module"),
    (["ERROR: No matching distribution found for torch==2.13.0"], "no build for Python"),
    (["Collecting torch", "ERROR: Something else broke"],
     "failed (exit code 1): ERROR: Something else broke"),
])
def test_failures_are_one_clear_line(output, expected) -> None:
    from pansharpen_adapt.ui.torch_setup import Step, explain_failure

    line = explain_failure(Step("installing PyTorch", ("pip",), 1.0, True), output, 1)
    assert expected in line and "\n" not in line


def test_pip_output_moves_the_progress() -> None:
    from pansharpen_adapt.ui.torch_setup import pip_progress, pip_supports_raw_progress

    assert pip_progress("Progress 50 of 100") == pytest.approx(0.45)
    assert pip_progress("Collecting torch") < pip_progress("Downloading x (1 MB)") < pip_progress(
        "Installing collected packages: torch") < pip_progress("Successfully installed torch") == 1.0
    assert pip_progress("  Using cached x") is None
    assert pip_supports_raw_progress("pip 24.1 from /x (python 3.11)")
    assert not pip_supports_raw_progress("pip 23.0.1 from /x (python 3.11)")


def test_too_little_disk_space_stops_before_anything(monkeypatch, tmp_path) -> None:
    import shutil

    from pansharpen_adapt.ui import torch_setup

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10, 9, 1))
    assert "not enough disk space" in torch_setup.free_space_problem(str(tmp_path / "venv"), "cuda")


def test_mocked_install_makes_torch_usable_without_restart(bare_plugin, qtbot, private_home) -> None:
    """The whole flow from the plugin's button: progress, live log, log file, then the dock runs."""
    from pansharpen_adapt.ui.torch_setup import Step

    dialog = bare_plugin.show_setup()
    dialog.planner = _planner([Step("installing PyTorch 2.13.0 (CPU)", _fake_pip(PIP_OK), 0.9, True),
                               Step("checking the installation", (sys.executable, "-c", "pass"), 0.1)])
    seen = []
    with qtbot.waitSignal(dialog.finished_setup, timeout=TASK_TIMEOUT_MS) as blocker:
        task = dialog.start()
        assert task is not None and dialog.task is task and not dialog.install_button.isEnabled()
        task.progressChanged.connect(seen.append)
    assert blocker.args == [""]  # torch works now: no restart
    assert dialog.progress.value() == 100 and "no restart needed" in dialog.status.text()
    assert "Successfully installed torch-2.13.0" in dialog.lines() and seen == sorted(seen)
    with open(dialog.log_path, encoding="utf-8") as f:
        assert "Downloading torch-2.13.0+cpu.whl (190.2 MB)" in f.read()
    assert dialog.log_path.startswith(private_home)
    dock = bare_plugin.dock
    assert dock.banner.isHidden() and dock.run_button.isEnabled()
    assert dock.form.select_method("fusionnet")  # deep methods are no longer greyed
    assert bare_plugin.setup_message is None
    dialog.close()


def test_failed_install_is_one_line_and_removes_the_new_venv(bare_plugin, qtbot, tmp_path) -> None:
    from pansharpen_adapt.ui.torch_setup import Step

    dialog = bare_plugin.show_setup()
    dialog.venv = str(tmp_path / "venv")
    make = f"import os; os.makedirs({dialog.venv!r}); print('created')"
    fail = "import sys; print('ERROR: [Errno 28] No space left on device'); sys.exit(1)"
    dialog.planner = _planner([Step("creating the environment", (sys.executable, "-c", make), 0.1),
                               Step("installing PyTorch 2.13.0 (CPU)", _fake_pip(fail), 0.9, True)],
                              creates_venv=True)
    task = dialog.start()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=TASK_TIMEOUT_MS)
    assert task is not None and not os.path.exists(dialog.venv)
    status = dialog.status.text()
    assert status.startswith("installing PyTorch 2.13.0 (CPU) failed: the disk is full")
    assert dialog.log_path in status
    assert not bare_plugin.dock.run_button.isEnabled()  # still no torch
    dialog.close()


def test_cancel_stops_pip_at_once(bare_plugin, qtbot) -> None:
    from pansharpen_adapt.ui.torch_setup import Step

    dialog = bare_plugin.show_setup()
    slow = "import time; print('Collecting torch', flush=True); time.sleep(120)"
    dialog.planner = _planner([Step("installing PyTorch 2.13.0 (CPU)", _fake_pip(slow), 1.0, True)])
    dialog.start()
    qtbot.waitUntil(lambda: "Collecting torch" in dialog.lines(), timeout=TASK_TIMEOUT_MS)
    started = time.monotonic()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=30_000)
    assert time.monotonic() - started < 15
    assert "cancelled during installing PyTorch" in dialog.status.text()
    dialog.close()


def _tiny_wheel(folder: str) -> str:
    """A minimal pure-Python wheel (psa_tiny 0.1, VALUE = 42) built by hand: no build backend, no network."""
    files = {"psa_tiny/__init__.py": "VALUE = 42\n",
             "psa_tiny-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: psa-tiny\nVersion: 0.1\n",
             "psa_tiny-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                                             "Tag: py3-none-any\n"}
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append("psa_tiny-0.1.dist-info/RECORD,,")
    files["psa_tiny-0.1.dist-info/RECORD"] = "\n".join(record) + "\n"
    path = os.path.join(folder, "psa_tiny-0.1-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_real_install_of_a_local_wheel_into_a_new_venv(qgis_app, qtbot, tmp_path) -> None:
    """The mechanism for real: the task creates a venv with the Python found, pip-installs a local wheel into
    it (no network) and checks the import; the plugin's venv lookup then finds and imports the package."""
    from pansharpen_adapt.ui import runtime
    from pansharpen_adapt.ui.torch_setup import find_python, plan_setup
    from pansharpen_adapt.ui.torch_setup_task import TorchSetupTask
    from qgis.core import QgsApplication

    wheel = _tiny_wheel(str(tmp_path))
    venv = str(tmp_path / "venv")
    plan = plan_setup(find_python(), venv, "cpu", [("installing psa_tiny", ("--no-index", wheel))],
                      "psa_tiny")
    task = TorchSetupTask(plan, str(tmp_path / "setup.log"))
    ends = []
    task.done.connect(lambda ok, message: ends.append((ok, message)))
    QgsApplication.taskManager().addTask(task)
    qtbot.waitUntil(lambda: bool(ends), timeout=TASK_TIMEOUT_MS)
    with open(str(tmp_path / "setup.log"), encoding="utf-8") as f:
        log = f.read()
    assert ends == [(True, "")], log
    assert "Successfully installed psa-tiny-0.1" in log
    paths = runtime.site_packages(venv)
    assert len(paths) == 1 and os.path.isfile(os.path.join(paths[0], "psa_tiny", "__init__.py"))
    sys.path.append(paths[0])
    try:
        import psa_tiny

        assert psa_tiny.VALUE == 42
    finally:
        sys.path.remove(paths[0])
        sys.modules.pop("psa_tiny", None)
