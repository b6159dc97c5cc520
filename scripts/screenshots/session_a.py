"""Session A: a profile without torch; the set-up (pip mocked, the venv real); runs; history; compare."""
import os
import sys

sys.path.insert(0, os.environ["SCREENSHOT_SCRIPTS"])  # qgis --code runs the text: no __file__
from common import grab_screen, grab_widget, grab_window, iface, log, plugins, run_steps  # noqa: E402
from qgis.core import QgsProject, QgsRasterLayer  # noqa: E402

DATA = os.path.join(os.environ["SHOTS"], "data")
HOME = os.environ["HOME"]
#: MOCK: pip is replaced by a script linking the checkout's .venv site-packages (with torch) into the new venv
REAL_SITE = os.environ["REAL_SITE"]
FAKE_PIP = r'''
import os, sys, time
venv = sys.argv[1]
lines = ["Looking in indexes: https://download.pytorch.org/whl/cpu", "Collecting torch==2.13.0",
         "  Downloading https://download.pytorch.org/whl/cpu/"
         "torch-2.13.0%2Bcpu-cp311-cp311-manylinux_2_28_x86_64.whl (190.2 MB)"]
for line in lines:
    print(line, flush=True); time.sleep(0.6)
for i in range(1, 11):
    print(f"Progress {i * 19} of 190", flush=True); time.sleep(0.4)
print("Installing collected packages: torch", flush=True); time.sleep(1.0)
site = os.path.join(venv, "lib", "python3.11", "site-packages")
os.rmdir(site) if os.path.isdir(site) and not os.listdir(site) else None
if os.path.isdir(site) and not os.path.islink(site):
    import shutil; shutil.rmtree(site)
os.symlink(os.environ["REAL_SITE"], site)  # MOCK: torch comes from the project's .venv
print("Successfully installed torch-2.13.0+cpu", flush=True)
'''


def mock_planner(python, venv, variant):
    from pansharpen_adapt.ui.torch_setup import SetupPlan, Step, plan_setup, venv_python
    real = plan_setup(python, venv, variant)
    steps = [s for s in real.steps if s.title.startswith("creating")]
    steps.append(Step(f"installing PyTorch 2.13.0 ({variant.upper()})",
                      (sys.executable if "python" in sys.executable else "/usr/bin/python3", "-c", FAKE_PIP,
                       venv, "install"), 0.8, True))
    check = (venv_python(venv), "-c", "import torch, safetensors")
    steps.append(Step("checking the installation", check, 0.04))
    return SetupPlan(python, venv, variant, steps, real.creates_venv)


def fill(dock, pan, ms, method, adapt="none", assess=True, style_ms=False, steps=-1):
    form = dock.form
    form.pan.setLayer(pan)
    form.ms.setLayer(ms)
    form.method.setCurrentIndex(form.method.findData(method))
    form.adapt.mode.setCurrentIndex(form.adapt.mode.findData(adapt))
    form.adapt.steps.setValue(steps)
    form.output.setFilePath("")
    form.assess.setChecked(assess)
    form.style_ms.setChecked(style_ms)


def steps():
    plugin = plugins["pansharpen_adapt"]
    mw = iface.mainWindow()
    mw.resize(1440, 900)
    mw.showMaximized()
    project = QgsProject.instance()
    pan = QgsRasterLayer(f"{DATA}/quickbird_pan.tif", "quickbird PAN", "gdal")
    ms = QgsRasterLayer(f"{DATA}/quickbird_ms.tif", "quickbird MS", "gdal")
    project.addMapLayers([pan, ms])
    os.makedirs(f"{HOME}/proj", exist_ok=True)
    project.write(f"{HOME}/proj/project.qgz")
    plugin.action.trigger()
    plugin.dock.setMinimumWidth(470)
    yield from no_torch_then_setup(plugin)
    yield from runs(plugin, project, pan, ms)


def no_torch_then_setup(plugin):
    """The profile without torch, then the set-up window (pip mocked) and the dock afterwards."""
    yield 2
    grab_window("01_no_torch_main_window")
    box = plugin.dock.form.method
    box.showPopup()
    yield 1
    grab_screen("02_no_torch_method_picker")
    box.hidePopup()
    dialog = plugin.show_setup()
    dialog.planner = mock_planner
    yield 1
    grab_widget(dialog, "03_setup_dialog_before")
    dialog.install_button.click()
    yield 5
    grab_widget(dialog, "04_setup_dialog_running")
    yield lambda: dialog.task is None
    yield 1
    grab_widget(dialog, "05_setup_dialog_done")
    log("status:", dialog.status.text())
    dialog.close()
    yield 1
    grab_window("06_after_setup_main_window")


def runs(plugin, project, pan, ms):
    """Runs in the dock, an unnamed Landsat-8, the history, the comparison, the zoom; the project saved."""
    dock = plugin.dock
    for method, adapt in (("mtf_glp_hpm", "none"), ("fusionnet", "tailor"), ("dicnn", "swift")):
        fill(dock, pan, ms, method, adapt, steps=2 if adapt == "swift" else -1)
        dock.run_button.click()
        yield lambda: dock.worker is None
        log("ran", method, adapt, dock.result_layer.name() if dock.result_layer else None)
    yield 1
    grab_window("07_after_runs_run_tab")
    l8pan = QgsRasterLayer(f"{DATA}/landsat8_pan.tif", "landsat8 PAN", "gdal")
    l8ms = QgsRasterLayer(f"{DATA}/landsat8_unnamed_ms.tif", "landsat8 MS (no band names)", "gdal")
    project.addMapLayers([l8pan, l8ms])
    fill(dock, l8pan, l8ms, "mtf_glp_hpm", assess=True, style_ms=True)
    dock.run_button.click()
    yield lambda: dock.worker is None
    canvas = iface.mapCanvas()
    layer = dock.result_layer
    canvas.setExtent(canvas.mapSettings().layerExtentToOutputExtent(layer, layer.extent()))
    iface.mapCanvas().refresh()
    yield 3
    grab_window("08_landsat8_true_colour")
    dock.tabs.setCurrentIndex(1)
    history = dock.history
    history.table.clearSelection()
    history.table.selectRow(1)
    yield 1
    grab_window("09_history_one_selected")
    history.table.clearSelection()
    history.table.selectRow(0)
    from qgis.PyQt.QtCore import QItemSelectionModel
    model = history.table.selectionModel()
    model.select(history.table.model().index(1, 0),
                 QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    yield 1
    history.compare_button.click()
    dlg = history.compare_dialog
    dlg.resize(1400, 520)
    yield 1
    grab_widget(dlg, "10_compare_side_by_side")
    dlg.close()
    history.table.cellDoubleClicked.emit(0, 0)
    yield 2
    grab_window("11_double_click_zoom")
    project.write()
    log("project saved", [r.output for r in history.records])
    log("models", dock.form.model_files())


run_steps(steps())
