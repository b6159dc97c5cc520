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
    assert [a[1] for a in spy_iface.added("removePluginRasterMenu")] == [action]
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


def test_missing_torch_is_reported_at_load(spy_iface, qgis_new_project, qgis_processing, clean_settings,
                                           monkeypatch) -> None:
    import pansharpen_adapt
    from pansharpen_adapt.ui import runtime

    monkeypatch.setattr(runtime, "_checked", True)
    monkeypatch.setattr(runtime, "_problem", "PyTorch cannot be imported (test)")
    bar = spy_iface.messageBar()
    bar.clear_messages()
    instance = pansharpen_adapt.classFactory(spy_iface)
    instance.initGui()
    try:
        from qgis.core import Qgis

        assert any("PyTorch cannot be imported" in m for m in bar.get_messages(Qgis.Warning))
        alg = QgsApplication.processingRegistry().algorithmById(ALGORITHM)
        ok, message = alg.canExecute()
        assert not ok and "PyTorch" in message
        instance.dock.run_button.click()
        assert any("PyTorch" in m for m in bar.get_messages(Qgis.Critical))
        assert instance.dock.worker is None
    finally:
        instance.unload()
