"""Processing polish (issue 19 item 6): help on every parameter, structured help, group, tags, help URL,
readable enum labels in the dialog with ids still the values, and the dock's defaults."""
from __future__ import annotations

import pytest
from qgis.core import QgsApplication, QgsProcessingContext
from qgis.PyQt.QtWidgets import QDialog

ALGORITHMS = ("pansharpen_adapt:pansharpen", "pansharpen_adapt:assess", "pansharpen_adapt:adapt_sensor")


def _alg(algorithm_id: str):
    return QgsApplication.processingRegistry().algorithmById(algorithm_id)


@pytest.mark.parametrize("algorithm_id", ALGORITHMS)
def test_every_parameter_has_help_and_the_help_is_structured(plugin, algorithm_id: str) -> None:
    alg = _alg(algorithm_id)
    params = alg.parameterDefinitions()
    assert len(params) >= 10
    assert [p.name() for p in params if len(p.help()) < 15] == []
    assert [p.description() for p in params if "optional" in p.description().lower()] == []  # QGIS adds it
    text = alg.shortHelpString()
    for heading in ("What it does", "Inputs", "Outputs", "Advanced options"):
        assert f"<h3>{heading}</h3>" in text
    for p in params:
        assert f"<code>{p.name()}</code>" in text
    assert alg.group() == "Pansharpening" and alg.groupId() == "pansharpening"
    assert "pansharpening" in alg.tags()
    assert alg.helpUrl().startswith("file://") and alg.helpUrl().endswith("#processing-algorithms")


def test_help_on_46_parameters_or_more(plugin) -> None:
    assert sum(len(_alg(a).parameterDefinitions()) for a in ALGORITHMS) >= 46


def test_the_dock_defaults_and_readable_labels(plugin) -> None:
    from pansharpen_adapt.ui import choices

    alg = _alg(ALGORITHMS[0])
    method = alg.parameterDefinition("METHOD")
    assert method.defaultValue() == choices.DOCK_DEFAULT_METHOD == "mtf_glp_hpm"
    assert method.options() == choices.method_names()  # values stay the ids
    labels = method.metadata()["widget_wrapper"]["labels"]
    assert labels["mtf_glp_hpm"] == "MTF-GLP-HPM (mtf_glp_hpm)"
    assert labels["fusionnet"] == "FusionNet (fusionnet)"
    assert alg.parameterDefinition("BLOCK_SIZE").defaultValue() == choices.DEFAULT_BLOCK_SIZE
    assert alg.parameterDefinition("SENSOR").metadata()["widget_wrapper"]["labels"]["auto"].startswith("Auto")


class AlgorithmDialog(QDialog):
    """Named like Processing's dialog: the wrapper factory tells dialogs apart by class name."""


class BatchAlgorithmDialog(QDialog):
    pass


@pytest.mark.parametrize("dialog_class", [AlgorithmDialog, BatchAlgorithmDialog])
def test_the_dialog_combo_shows_labels_and_gives_ids(plugin, qgis_app, dialog_class) -> None:
    from processing.gui.wrappers import WidgetWrapperFactory

    alg = _alg(ALGORITHMS[0]).create()
    dialog = dialog_class()
    wrapper = WidgetWrapperFactory.create_wrapper(alg.parameterDefinition("METHOD"), dialog)
    combo = wrapper.createWrappedWidget(QgsProcessingContext())
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert "MTF-GLP-HPM (mtf_glp_hpm)" in texts and "Gram-Schmidt adaptive (gsa)" in texts
    assert wrapper.parameterValue() == "mtf_glp_hpm"  # the default, as an id
    wrapper.setParameterValue("gsa", QgsProcessingContext())
    assert combo.currentText() == "Gram-Schmidt adaptive (gsa)" and wrapper.parameterValue() == "gsa"
    combo.setParent(dialog)  # as the dialog's layout does; the dialog then deletes it
    dialog.deleteLater()


def test_ids_still_work_in_processing_run(plugin, data_paths, tmp_path) -> None:
    import processing
    from osgeo import gdal

    pan, ms = data_paths("quickbird")
    out = str(tmp_path / "ids.tif")
    processing.run(ALGORITHMS[0], {"PAN": pan, "MS": ms, "METHOD": "gsa", "SENSOR": "quickbird",
                                   "DEVICE": "cpu", "OUTPUT": out})
    assert gdal.Open(out).GetMetadataItem("PANSHARPEN_METHOD") == "gsa"
