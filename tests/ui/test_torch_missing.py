"""Without PyTorch (issue 19 item 2): everything is listed, what cannot run says why, Run is off with one line
and the set-up button, and help opens a README section that exists."""
from __future__ import annotations

import os

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtWidgets import QPushButton

ALGORITHM = "pansharpen_adapt:pansharpen"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_catalogue_equals_the_engine_registry() -> None:
    from pansharpen_adapt.engine.methods.registry import list_methods
    from pansharpen_adapt.ui.method_catalogue import CATALOGUE

    assert CATALOGUE == tuple((m.name, m.title, m.family, m.summary) for m in list_methods())


def test_every_method_is_listed_and_deep_ones_are_greyed_with_the_reason(bare_plugin) -> None:
    from pansharpen_adapt.ui import choices
    from pansharpen_adapt.ui.method_catalogue import CATALOGUE, NETWORK_FAMILIES

    box = bare_plugin.dock.form.method
    assert [box.itemData(i) for i in range(box.count())] == [c[0] for c in CATALOGUE]
    model = box.model()
    for i, (name, _, family, _) in enumerate(CATALOGUE):
        deep = family in NETWORK_FAMILIES  # deep backbones and generative nets
        assert model.item(i).isEnabled() != deep, name
        tip = box.itemData(i, 3)  # Qt.ItemDataRole.ToolTipRole
        assert (choices.NO_TORCH_DEEP if deep else choices.NO_TORCH) in tip
    assert box.currentData() == choices.DOCK_DEFAULT_METHOD
    assert not bare_plugin.dock.form.select_method("fusionnet")  # greyed: cannot be picked


def test_run_is_off_with_one_line_and_the_set_up_button(bare_plugin) -> None:
    dock = bare_plugin.dock
    assert not dock.run_button.isEnabled() and "Set up PyTorch" in dock.run_button.toolTip()
    assert not dock.banner.isHidden() and "\n" not in dock.banner.label.text()
    assert "no method can run" in dock.banner.label.text()
    assert dock.banner.setup_button.text() == "Set up PyTorch..."
    opened = []
    bare_plugin.show_setup = lambda: opened.append(True)  # the signal goes to the plugin
    dock.setup_requested.disconnect()
    dock.setup_requested.connect(bare_plugin.show_setup)
    dock.banner.setup_button.click()
    assert opened == [True]
    assert "PyTorch cannot be imported" in dock.log_view.toPlainText()  # the whole reason is in the log


def test_message_bar_offers_the_set_up_and_is_short(bare_plugin, spy_iface) -> None:
    item = bare_plugin.setup_message
    assert item is not None and item in spy_iface.messageBar().items()
    assert item.level() == Qgis.MessageLevel.Warning and len(item.text()) < 60
    buttons = item.findChildren(QPushButton)
    assert [b.text() for b in buttons if b.text()] == ["Set up PyTorch..."]
    dialog = bare_plugin.show_setup()
    try:
        assert dialog.isVisible() and dialog.windowTitle() == "Set up PyTorch"
        assert bare_plugin.show_setup() is dialog  # one window, raised again
    finally:
        dialog.close()


def test_set_up_is_in_the_plugin_menu(bare_plugin, spy_iface) -> None:
    menu_actions = [args[1] for args in spy_iface.added("addPluginToRasterMenu")]
    assert bare_plugin.setup_action in menu_actions
    assert bare_plugin.setup_action.text() == "Set up PyTorch..."


def test_processing_lists_every_method_and_says_why_it_cannot_run(bare_plugin) -> None:
    from pansharpen_adapt.ui.method_catalogue import CATALOGUE

    alg = QgsApplication.processingRegistry().algorithmById(ALGORITHM).create()
    assert alg.parameterDefinition("METHOD").options() == [c[0] for c in CATALOGUE]
    ok, message = alg.canExecute()
    assert not ok and "PyTorch" in message and "Set up PyTorch" in message


def test_run_click_without_torch_reports_and_starts_nothing(bare_plugin, spy_iface, no_torch) -> None:
    bare_plugin.dock.run()  # e.g. a keyboard shortcut: Run is disabled, the check still holds
    assert bare_plugin.dock.worker is None
    assert any("PyTorch" in m for m in spy_iface.messageBar().get_messages(Qgis.MessageLevel.Critical))


def test_help_opens_a_readme_section_that_exists(bare_plugin) -> None:
    from pansharpen_adapt.ui import help as plugin_help

    for title in (plugin_help.INSTALLING_PYTORCH, plugin_help.THE_DOCK, plugin_help.PROCESSING):
        assert plugin_help.readme_section(title).startswith("#"), title
    section = plugin_help.readme_section(plugin_help.INSTALLING_PYTORCH)
    assert "Set up PyTorch..." in section and "## The dock" not in section
    bare_plugin.dock.banner.help_button.click()
    window = bare_plugin.dock.banner.help_window
    try:
        from qgis.PyQt.QtWidgets import QTextBrowser

        assert window.isVisible() and "Set up PyTorch" in window.findChild(QTextBrowser).toPlainText()
    finally:
        window.close()


def test_help_url_points_at_the_rendered_section(private_home) -> None:
    from pansharpen_adapt.ui import help as plugin_help

    url = plugin_help.help_url(plugin_help.INSTALLING_PYTORCH)
    assert url.startswith("file://") and url.endswith("#installing-pytorch")
    page = url[len("file://"):].split("#")[0]
    with open(page, encoding="utf-8") as f:
        html = f.read()
    assert 'name="installing-pytorch"' in html and 'name="processing-algorithms"' in html


def test_metadata_has_a_homepage_and_the_about_names_the_set_up() -> None:
    with open(os.path.join(REPO, "metadata.txt"), encoding="utf-8") as f:
        text = f.read()
    assert "\nhomepage=" in text and "Set up PyTorch..." in text
