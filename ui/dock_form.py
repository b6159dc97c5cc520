"""The input form of the dock: layer pickers, method, sensor, output, advanced settings.

request_from_form() is the dock's one place that turns widget values into a PansharpenRequest. Without PyTorch
every method is still listed (deep ones greyed out with the reason); with Output left blank the result goes
to the output folder under a name made from the method and the time (ui/places.py), a temporary file only
when "Temporary output" is ticked.
"""
from __future__ import annotations

import os
from typing import List, Optional

from qgis.core import QgsProcessingUtils, QgsProject, QgsRasterLayer, QgsSettings
from qgis.gui import QgsCollapsibleGroupBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..engine import DEFAULT_METHOD, EngineError, PansharpenRequest
from . import choices
from .adapt_form import AdaptForm
from .compat import LAYER_FILTER_RASTER
from .layers import raster_path
from .places import auto_output, default_output_folder, model_files_in, models_dir

SETTINGS_PREFIX = "pansharpen_adapt/dock/"
MAX_MODEL_FILES = 8  # saved model files kept in the method picker between sessions


def _combo(items: list, tooltips: Optional[list] = None) -> QComboBox:
    """Combo box whose item data is the engine value and whose text is the readable title."""
    box = QComboBox()
    for i, (value, title) in enumerate(items):
        box.addItem(title, value)
        if tooltips:
            box.setItemData(i, tooltips[i], Qt.ItemDataRole.ToolTipRole)
    return box


def _select(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    if index >= 0:
        box.setCurrentIndex(index)


class FusionForm(QWidget):
    """Widgets for every request field; values persist in QgsSettings between sessions."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.pan = QgsMapLayerComboBox()
        self.ms = QgsMapLayerComboBox()
        for box in (self.pan, self.ms):
            box.setFilters(LAYER_FILTER_RASTER)
        self.method = QComboBox()
        self.fill_methods()
        self.model_button = QPushButton("Model file...")
        self.model_button.setToolTip("Run a saved model file (.safetensors with its .json sidecar, e.g. made "
                                     "by SWIFT) as the method; adaptation works on top of it")
        self.model_button.clicked.connect(self.browse_model_file)
        self.sensor = _combo(choices.sensors())
        self.output = QgsFileWidget()
        self.output.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.output.setFilter("GeoTIFF (*.tif *.tiff)")
        self.results_folder = QgsFileWidget()
        self.results_folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.results_folder.setToolTip("Where runs with a blank Output are saved (default: pansharpen_adapt/ "
                                       "in the project's folder once the project is saved, else in your home "
                                       "folder)")
        self.temporary = QCheckBox("Temporary output (deleted when QGIS exits)")
        self.style_ms = QCheckBox("Show the MS layer in true colour too")
        self.style_ms.setToolTip("After a run, give the MS input layer the result's band choice and 2-98 % "
                                 "stretch, so the two look alike")
        self.assess = QCheckBox("Assess quality after the run")
        self.assess.setToolTip(
            "Compute the no-reference quality indices (D_rho, R_Q2n, R_SAM, R_ERGAS, RQNR, D_s_R, HQNR, "
            "D_lambda_K, D_s, QNR, D_lambda) of the result "
            f"on a centred window of at most {choices.DEFAULT_ASSESS_MAX_SIZE} x "
            f"{choices.DEFAULT_ASSESS_MAX_SIZE} px; untick to skip it on huge rasters")
        self.dtype = _combo([("auto", "Same as MS"), ("float32", "Float32")])
        self.device = _combo([(d, d.upper() if d != "auto" else "Auto (GPU when present)")
                              for d in choices.devices()])
        self.precision = _combo([(p, choices.PRECISION_LABELS[p]) for p in choices.precisions()])
        self.precision.setToolTip("Deep methods' arithmetic: Auto runs bf16 where the CPU (AMX / "
                                  "AVX512-BF16) or GPU has native bf16, else fp32; FP32 is the reference "
                                  "(earlier versions' output)")
        self.block_size = QSpinBox()
        self.block_size.setRange(64, 8192)
        self.block_size.setSingleStep(256)
        self.block_size.setSuffix(" px")
        self.uncertainty = QCheckBox("Uncertainty layer (spread of the samples)")
        self.uncertainty.setToolTip(
            "Generative methods (sb): also write and show the per-band standard deviation of several bridge "
            "samples (4 samples of 3 steps unless the options say otherwise): higher where the result is "
            "less sure. Costs 10-15 runs of the method.")
        self.options = QLineEdit()
        self.options.setPlaceholderText("key=value;key=value (method options)")
        self.adapt = AdaptForm()
        self._layout()
        self.restore()
        self.method.currentIndexChanged.connect(self._method_changed)
        self.temporary.toggled.connect(self.update_output_hint)
        self.results_folder.fileChanged.connect(self.update_output_hint)
        self._method_changed()
        self.update_output_hint()

    def _method_changed(self) -> None:
        name = str(self.method.currentData())
        self.adapt.set_method(name)
        self.uncertainty.setEnabled(name in choices.generative_method_names())

    def wants_uncertainty(self) -> bool:
        """Whether the run should write and show the uncertainty raster (a generative method is chosen)."""
        return self.uncertainty.isEnabled() and self.uncertainty.isChecked()

    def fill_methods(self) -> None:
        """(Re)list the engine's methods, keeping the model files and the choice; a method that cannot run
        (deep ones without PyTorch) is greyed out, its tooltip says why."""
        current, files = self.method.currentData(), self.model_files()
        self.method.blockSignals(True)  # one _method_changed at the end, not one per item
        self.method.clear()
        for m in choices.methods():
            self.method.addItem(m.label, m.name)
            index = self.method.count() - 1
            self.method.setItemData(index, f"{m.summary}\n{m.reason}" if m.reason else m.summary,
                                    Qt.ItemDataRole.ToolTipRole)
            if not m.available:
                self.method.model().item(index).setEnabled(False)
        for path in files:
            self.add_model_file(path, select=False)
        self.method.blockSignals(False)
        if current is not None:
            self.select_method(str(current))

    def select_method(self, name: str) -> bool:
        """Select a method (or model file) when it is listed and enabled; False otherwise."""
        index = self.method.findData(name)
        item = self.method.model().item(index) if index >= 0 else None
        if item is None or not item.isEnabled():
            return False
        self.method.setCurrentIndex(index)
        return True

    def output_folder(self) -> str:
        """The folder for outputs with a blank Output: the chosen one, else the default (ui/places.py)."""
        chosen = self.results_folder.filePath().strip()
        return chosen or default_output_folder(QgsProject.instance().homePath())

    def update_output_hint(self) -> None:
        """Say in the Output field where a blank Output goes."""
        where = ("a temporary file" if self.temporary.isChecked()
                 else os.path.join(self.output_folder(), "<method>_<date-time>.tif"))
        self.output.lineEdit().setPlaceholderText(f"[auto: {where}]")
        self.results_folder.lineEdit().setPlaceholderText(f"[default: {self.output_folder()}]")

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("PAN layer", self.pan)
        form.addRow("MS layer", self.ms)
        method_row = QHBoxLayout()
        method_row.addWidget(self.method, 1)
        method_row.addWidget(self.model_button)
        form.addRow("Method", method_row)
        self.method_hint = QLabel(choices.METHOD_HINT)
        self.method_hint.setWordWrap(True)
        self.method_hint.setStyleSheet("color: gray;")
        form.addRow("", self.method_hint)
        form.addRow("Adaptation", self.adapt.mode)
        form.addRow("Sensor", self.sensor)
        form.addRow("Output", self.output)
        form.addRow(self.assess)
        form.addRow(self.uncertainty)
        self.advanced = QgsCollapsibleGroupBox("Advanced")
        self.advanced.setCollapsed(True)
        adv = QFormLayout(self.advanced)
        adv.addRow("Output type", self.dtype)
        adv.addRow("Device", self.device)
        adv.addRow("Precision", self.precision)
        adv.addRow("Block size", self.block_size)
        adv.addRow("Options", self.options)
        adv.addRow("Output folder", self.results_folder)
        adv.addRow(self.temporary)
        adv.addRow(self.style_ms)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(form)
        outer.addWidget(self.advanced)
        outer.addWidget(self.adapt.group)

    def model_files(self) -> List[str]:
        """Paths of the model files in the method picker, in picker order."""
        values = [str(self.method.itemData(i)) for i in range(self.method.count())]
        return [v for v in values if choices.is_model_file(v)]

    def add_model_file(self, path: str, select: bool = True) -> None:
        """Put a saved model file in the method picker (once; data = absolute path) and select it."""
        full = os.path.abspath(path)
        if self.method.findData(full) < 0:
            self.method.addItem(f"{os.path.basename(full)} (model file)", full)
            self.method.setItemData(self.method.count() - 1, full, Qt.ItemDataRole.ToolTipRole)
        if select:
            _select(self.method, full)

    def browse_model_file(self) -> None:
        """Ask for a model file and make it the method."""
        start = next(iter(self.model_files()[::-1]), "")
        path, _ = QFileDialog.getOpenFileName(self, "Saved model file", os.path.dirname(start),
                                              choices.MODEL_FILTER)
        if path:
            self.add_model_file(path)

    def guess_layers(self) -> None:
        """Fix obviously wrong picks: PAN should have one band, MS several."""
        pan, ms = self.pan.currentLayer(), self.ms.currentLayer()
        rasters = [self.pan.layer(i) for i in range(self.pan.count())]
        rasters = [r for r in rasters if isinstance(r, QgsRasterLayer)]
        if not isinstance(pan, QgsRasterLayer) or pan.bandCount() != 1:
            single = [r for r in rasters if r.bandCount() == 1]
            if single:
                self.pan.setLayer(single[0])
        if not isinstance(ms, QgsRasterLayer) or ms.bandCount() < 2:
            multi = [r for r in rasters if r.bandCount() > 1]
            if multi:
                self.ms.setLayer(multi[0])

    def restore(self) -> None:
        """Last choices from QgsSettings (first run: mtf_glp_hpm, Feature Tailor preset for deep methods, auto
        everything)."""
        s = QgsSettings()
        first = (choices.DOCK_DEFAULT_METHOD if choices.DOCK_DEFAULT_METHOD in choices.method_names()
                 else DEFAULT_METHOD)
        remembered = [str(p) for p in s.value(SETTINGS_PREFIX + "model_files", [], type=list) or []]
        for path in model_files_in(models_dir()) + remembered:
            if os.path.isfile(path):  # a moved or deleted model file just leaves the picker
                self.add_model_file(path, select=False)
        if not self.select_method(str(s.value(SETTINGS_PREFIX + "method", first))):
            self.select_method(first)
        self.adapt.restore(s, SETTINGS_PREFIX)
        _select(self.sensor, str(s.value(SETTINGS_PREFIX + "sensor", "auto")))
        _select(self.dtype, str(s.value(SETTINGS_PREFIX + "dtype", "auto")))
        _select(self.device, str(s.value(SETTINGS_PREFIX + "device", "auto")))
        _select(self.precision, str(s.value(SETTINGS_PREFIX + "precision", "auto")))
        self.block_size.setValue(int(s.value(SETTINGS_PREFIX + "block_size", choices.DEFAULT_BLOCK_SIZE)))
        self.options.setText(str(s.value(SETTINGS_PREFIX + "options", "")))
        self.assess.setChecked(bool(s.value(SETTINGS_PREFIX + "assess", True, type=bool)))
        self.output.setDefaultRoot(str(s.value(SETTINGS_PREFIX + "output_folder", "")))
        self.results_folder.setFilePath(str(s.value(SETTINGS_PREFIX + "results_folder", "")))
        self.temporary.setChecked(bool(s.value(SETTINGS_PREFIX + "temporary", False, type=bool)))
        self.style_ms.setChecked(bool(s.value(SETTINGS_PREFIX + "style_ms", False, type=bool)))
        self.uncertainty.setChecked(bool(s.value(SETTINGS_PREFIX + "uncertainty", False, type=bool)))

    def save(self) -> None:
        """Remember the current choices (not the output file: a rerun must not overwrite it silently)."""
        s = QgsSettings()
        for key, box in (("method", self.method), ("sensor", self.sensor), ("dtype", self.dtype),
                         ("device", self.device), ("precision", self.precision)):
            s.setValue(SETTINGS_PREFIX + key, box.currentData())
        s.setValue(SETTINGS_PREFIX + "model_files", self.model_files()[-MAX_MODEL_FILES:])
        s.setValue(SETTINGS_PREFIX + "block_size", self.block_size.value())
        s.setValue(SETTINGS_PREFIX + "options", self.options.text())
        s.setValue(SETTINGS_PREFIX + "assess", self.assess.isChecked())
        s.setValue(SETTINGS_PREFIX + "results_folder", self.results_folder.filePath().strip())
        s.setValue(SETTINGS_PREFIX + "temporary", self.temporary.isChecked())
        s.setValue(SETTINGS_PREFIX + "style_ms", self.style_ms.isChecked())
        s.setValue(SETTINGS_PREFIX + "uncertainty", self.uncertainty.isChecked())
        self.adapt.save(s, SETTINGS_PREFIX)
        if self.output.filePath():
            s.setValue(SETTINGS_PREFIX + "output_folder", os.path.dirname(self.output.filePath()))


def temporary_output(method: str) -> str:
    """A fresh GeoTIFF path in the QGIS Processing temporary folder (deleted when QGIS exits)."""
    return QgsProcessingUtils.generateTempFilename(os.path.basename(auto_output("", method)))


def output_path(form: FusionForm, method: str, adapt: str) -> str:
    """The Output field's path; when blank a new file in the output folder (made when missing), or a
    temporary file when asked for. EngineError (one line) when the folder cannot be made."""
    given = form.output.filePath().strip()
    if given:
        return given
    if form.temporary.isChecked():
        return temporary_output(method)
    folder = form.output_folder()
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise EngineError(f"cannot create the output folder {folder}: {exc.strerror or exc}") from None
    return auto_output(folder, method, adapt)


def request_from_form(form: FusionForm) -> PansharpenRequest:
    """The request the dock runs; raises EngineError (one line) for unusable layers or options."""
    method = str(form.method.currentData())
    adapt, adapt_options = form.adapt.values()
    output = output_path(form, method, choices.SWIFT if form.adapt.swift_options() is not None else adapt)
    return PansharpenRequest(
        pan=raster_path(form.pan.currentLayer(), "PAN"),
        ms=raster_path(form.ms.currentLayer(), "MS"),
        output=output,
        method=method,
        sensor=str(form.sensor.currentData()),
        output_dtype=str(form.dtype.currentData()),
        device=str(form.device.currentData()),
        precision=str(form.precision.currentData()),
        block_size=form.block_size.value(),
        options=dict(choices.parse_options(form.options.text())),
        adapt=adapt,
        adapt_options=dict(adapt_options),
    )
