"""Session C: the Help window of the dock, and the output hint once the project is saved."""
import os
import sys

sys.path.insert(0, os.environ["SCREENSHOT_SCRIPTS"])  # qgis --code runs the text: no __file__
from common import grab_widget, log, plugins, run_steps  # noqa: E402
from qgis.core import QgsProject  # noqa: E402


def steps():
    plugin = plugins["pansharpen_adapt"]
    plugin.action.trigger()
    yield 2
    dock = plugin.dock
    log("hint before save:", dock.form.output.lineEdit().placeholderText())
    os.makedirs(os.path.join(os.environ["HOME"], "proj2"), exist_ok=True)
    QgsProject.instance().write(os.path.join(os.environ["HOME"], "proj2", "other.qgz"))
    yield 1
    log("hint after save:", dock.form.output.lineEdit().placeholderText())
    dock.banner.show_help()
    yield 1
    grab_widget(dock.banner.help_window, "17_help_window_installing_pytorch")


run_steps(steps())
