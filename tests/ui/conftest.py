"""Plugin tests import the repository as the installed package `pansharpen_adapt`.

QGIS imports a plugin by its folder name; a symlink with that name in a temporary folder on sys.path
gives the tests the same package layout (and relative imports) as an installed plugin.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN_NAME = "pansharpen_adapt"

_plugins_dir = tempfile.mkdtemp(prefix="psa-plugins-")
os.symlink(REPO, os.path.join(_plugins_dir, PLUGIN_NAME))
sys.path.insert(0, _plugins_dir)
atexit.register(shutil.rmtree, _plugins_dir, True)


@pytest.fixture(scope="session")
def plugins_dir() -> str:
    """A folder holding the plugin under its installed name (a symlink to the repository)."""
    return _plugins_dir


class SpyIface:
    """Wraps pytest-qgis's stand-in iface and records what a plugin adds and removes.

    The stand-in accepts toolbar icons, menus and docks without keeping them, so the unload test
    needs this record to check that every addition is undone.
    """

    def __init__(self, iface: object) -> None:
        self._iface = iface
        self.calls: list = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._iface, name)

    def _record(self, name: str, *args: object) -> None:
        self.calls.append((name, args))

    def addToolBarIcon(self, action: object) -> None:  # noqa: N802 - QgisInterface API
        self._record("addToolBarIcon", action)

    def removeToolBarIcon(self, action: object) -> None:  # noqa: N802
        self._record("removeToolBarIcon", action)

    def addPluginToRasterMenu(self, menu: str, action: object) -> None:  # noqa: N802
        self._record("addPluginToRasterMenu", menu, action)

    def removePluginRasterMenu(self, menu: str, action: object) -> None:  # noqa: N802
        self._record("removePluginRasterMenu", menu, action)

    def addDockWidget(self, area: object, dock: object) -> None:  # noqa: N802
        self._record("addDockWidget", dock)

    def removeDockWidget(self, dock: object) -> None:  # noqa: N802
        self._record("removeDockWidget", dock)

    def added(self, name: str) -> list:
        """Arguments of every call to `name`."""
        return [args for call, args in self.calls if call == name]


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch) -> str:
    """A temporary home for every test: the default output folder (~/pansharpen_adapt), the models folder
    and the PyTorch venv ($XDG_DATA_HOME/pansharpen_adapt/...) must never be the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return str(home)


@pytest.fixture
def spy_iface(qgis_iface: object) -> SpyIface:
    return SpyIface(qgis_iface)


@pytest.fixture
def clean_settings() -> None:
    """Forget the dock's remembered choices (pytest-qgis keeps QgsSettings between runs)."""
    from qgis.core import QgsSettings

    QgsSettings().remove("pansharpen_adapt")


@pytest.fixture
def plugin(spy_iface: SpyIface, qgis_new_project: object, qgis_processing: None, clean_settings: None):
    """The plugin loaded as QGIS does (classFactory + initGui); unloaded afterwards."""
    import pansharpen_adapt

    instance = pansharpen_adapt.classFactory(spy_iface)
    instance.initGui()
    yield instance
    instance.unload()


@pytest.fixture
def no_torch(monkeypatch) -> str:
    """The plugin believes torch cannot be imported (the check is cached in ui/runtime.py)."""
    from pansharpen_adapt.ui import runtime

    problem = runtime._describe("ModuleNotFoundError: No module named 'torch'")
    monkeypatch.setattr(runtime, "_checked", True)
    monkeypatch.setattr(runtime, "_problem", problem)
    return problem


@pytest.fixture
def bare_plugin(no_torch, spy_iface, qgis_new_project, qgis_processing, clean_settings):
    """The plugin loaded as QGIS does while torch is missing; unloaded afterwards."""
    import pansharpen_adapt

    spy_iface.messageBar().clear_messages()
    instance = pansharpen_adapt.classFactory(spy_iface)
    instance.initGui()
    yield instance
    instance.unload()


DATA = os.path.join(REPO, "tests", "data")


def data_pair(name: str) -> tuple:
    """(pan, ms) paths of a bundled real crop: quickbird, pleiades, landsat8, landsat7."""
    return os.path.join(DATA, f"{name}_pan.tif"), os.path.join(DATA, f"{name}_ms.tif")


def add_raster_layers(name: str) -> tuple:
    """Add a bundled pair to the current project as (PAN layer, MS layer)."""
    from qgis.core import QgsProject, QgsRasterLayer

    pan_path, ms_path = data_pair(name)
    pan = QgsRasterLayer(pan_path, f"{name} PAN", "gdal")
    ms = QgsRasterLayer(ms_path, f"{name} MS", "gdal")
    assert pan.isValid() and ms.isValid()
    QgsProject.instance().addMapLayers([pan, ms])
    return pan, ms


@pytest.fixture
def qb_layers(qgis_new_project: object) -> tuple:
    """QuickBird PAN and MS layers in a fresh project."""
    return add_raster_layers("quickbird")


@pytest.fixture
def pair_layers(qgis_new_project: object):
    """Factory: pair_layers('landsat7') adds that pair to a fresh project, returns (PAN, MS) layers."""
    return add_raster_layers


@pytest.fixture(scope="session")
def data_paths():
    """Factory: data_paths('quickbird') -> (pan path, ms path)."""
    return data_pair


QGIS_PROCESS = os.path.join(REPO, "scripts", "qgis_process.sh")


def run_qgis_process(algorithm: str, params: dict, profile: str) -> dict:
    """`qgis_process --json run ALGORITHM -- K=V ...` through scripts/qgis_process.sh; the parsed JSON.

    profile: a fresh QGIS profile folder (the script enables the plugin there). Each call costs ~8 s.
    A list value repeats the parameter (KEY=a KEY=b), as multiple-layer parameters take it.
    """
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=profile, QT_QPA_PLATFORM="offscreen")
    args = [f"{key}={v}" for key, value in params.items()
            for v in (value if isinstance(value, (list, tuple)) else [value])]
    proc = subprocess.run(["bash", QGIS_PROCESS, "--json", "run", algorithm, "--", *args],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def qgis_process(tmp_path_factory):
    """Factory: qgis_process(algorithm, params) -> parsed JSON of a qgis_process run.

    One fresh profile for the session, so the plugin is enabled there (one more start-up) only once.
    """
    profile = str(tmp_path_factory.mktemp("qgis-profile"))

    def run(algorithm: str, params: dict) -> dict:
        return run_qgis_process(algorithm, params, profile)

    return run


@pytest.fixture(scope="session")
def swift_crops(tmp_path_factory) -> list:
    """Two small real scenes for SWIFT, [(pan, ms), ...]: the top-left and bottom-right 128 x 128 PAN px
    windows of the bundled QuickBird crop (ratio 4), in a folder of their own."""
    from osgeo import gdal

    folder = str(tmp_path_factory.mktemp("swift_crops"))
    pan, ms = data_pair("quickbird")
    side, ratio, pairs = 128, 4, []
    for k, off in enumerate((0, side)):
        out = (os.path.join(folder, f"qb{k}_pan.tif"), os.path.join(folder, f"qb{k}_ms.tif"))
        gdal.Translate(out[0], pan, srcWin=[off, off, side, side])
        gdal.Translate(out[1], ms, srcWin=[off // ratio, off // ratio, side // ratio, side // ratio])
        pairs.append(out)
    return pairs
