"""Loading and unloading the plugin as QGIS does."""
from __future__ import annotations

import sip
from qgis.core import QgsApplication

PROVIDER = "pansharpen_adapt"
ALGORITHM = "pansharpen_adapt:pansharpen"


def test_init_gui_adds_action_dock_and_provider(plugin, spy_iface) -> None:
    registry = QgsApplication.processingRegistry()
    assert registry.providerById(PROVIDER) is not None
    assert registry.algorithmById(ALGORITHM) is not None
    assert [args[0] for args in spy_iface.added("addToolBarIcon")] == [plugin.action]
    assert [args[0] for args in spy_iface.added("addDockWidget")] == [plugin.dock]
    assert plugin.action.text() == "Pansharpen & Adapt"
    assert plugin.dock.isHidden()


def test_action_shows_the_dock(plugin) -> None:
    # Only showing is checked: hiding again relies on QgsDockWidget seeing itself raised, which
    # needs a real main window on screen (the stand-in's is never shown).
    assert plugin.dock.isHidden()
    plugin.action.trigger()
    assert plugin.action.isChecked() and not plugin.dock.isHidden()


def test_unload_removes_everything_it_added(plugin, spy_iface) -> None:
    action, dock = plugin.action, plugin.dock
    plugin.unload()
    QgsApplication.processEvents()
    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    assert QgsApplication.processingRegistry().providerById(PROVIDER) is None
    assert QgsApplication.processingRegistry().algorithmById(ALGORITHM) is None
    assert spy_iface.added("removeToolBarIcon") == spy_iface.added("addToolBarIcon")
    assert spy_iface.added("removePluginRasterMenu") == spy_iface.added("addPluginToRasterMenu")
    assert action in [a[1] for a in spy_iface.added("removePluginRasterMenu")]
    assert spy_iface.added("removeDockWidget") == spy_iface.added("addDockWidget")
    assert sip.isdeleted(dock) and sip.isdeleted(action)
    assert plugin.dock is None and plugin.action is None and plugin.provider is None


def test_init_processing_alone_registers_the_provider_once(qgis_processing) -> None:
    import pansharpen_adapt

    instance = pansharpen_adapt.classFactory(None)  # what qgis_process does: no GUI, no iface
    instance.initProcessing()
    instance.initProcessing()
    registry = QgsApplication.processingRegistry()
    try:
        assert len([p for p in registry.providers() if p.id() == PROVIDER]) == 1
    finally:
        instance.unload()
    assert registry.providerById(PROVIDER) is None

