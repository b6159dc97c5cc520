"""Session B: QGIS restarted on the saved project: history and quicklooks back, the SWIFT model listed,
torch found at start; the Processing dialog with labels, per-parameter help and the structured help."""
import os
import sys

sys.path.insert(0, os.environ["SCREENSHOT_SCRIPTS"])  # qgis --code runs the text: no __file__
from common import grab_screen, grab_widget, grab_window, iface, log, plugins, run_steps  # noqa: E402


def steps():
    plugin = plugins["pansharpen_adapt"]
    mw = iface.mainWindow()
    mw.resize(1440, 900)
    plugin.action.trigger()
    plugin.dock.setMinimumWidth(470)
    yield 3
    dock = plugin.dock
    log("banner hidden:", dock.banner.isHidden(), "records:", len(dock.history.records))
    log("models:", dock.form.model_files())
    dock.tabs.setCurrentIndex(1)
    dock.history.table.selectRow(1)
    yield 1
    grab_window("12_restart_history")
    dock.tabs.setCurrentIndex(0)
    box = dock.form.method
    box.showPopup()
    yield 1
    grab_screen("13_restart_method_picker_models")
    box.hidePopup()
    import processing
    from qgis.PyQt.QtCore import QPoint
    from qgis.PyQt.QtWidgets import QToolTip
    dialog = processing.createAlgorithmDialog("pansharpen_adapt:pansharpen")
    dialog.resize(1100, 760)
    dialog.show()
    yield 2
    grab_widget(dialog, "14_processing_dialog")
    panel = dialog.mainWidget()
    wrapper = panel.wrappers["METHOD"]
    combo = wrapper.wrappedWidget()
    combo.showPopup()
    yield 1
    grab_screen("15_processing_method_labels")
    combo.hidePopup()
    label = wrapper.wrappedLabel()
    log("label tooltip:", label.toolTip() if label else None)
    if label is not None:
        QToolTip.showText(label.mapToGlobal(QPoint(20, 10)), label.toolTip(), label)
    yield 1
    grab_screen("16_processing_parameter_help")
    dialog.close()


run_steps(steps())
