"""The input form of the dock: layer pickers, method, sensor, output, advanced settings.

request_from_form() is the dock's one place that turns widget values into a PansharpenRequest.
"""
from __future__ import annotations

import os
from typing import List, Optional

from qgis.core import QgsMapLayerProxyModel, QgsProcessingUtils, QgsRasterLayer, QgsSettings
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

from ..engine.request import DEFAULT_METHOD, PansharpenRequest
from . import choices
from .adapt_form import AdaptForm
from .layers import raster_path

SETTINGS_PREFIX = "pansharpen_adapt/dock/"
MAX_MODEL_FILES = 8  # saved model files kept in the method picker between sessions


def _combo(items: list, tooltips: Optional[list] = None) -> QComboBox:
    """Combo box whose item data is the engine value and whose text is the readable title."""
    box = QComboBox()
    for i, (value, title) in enumerate(items):
        box.addItem(title, value)
        if tooltips:
            box.setItemData(i, tooltips[i], Qt.ToolTipRole)
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
            box.setFilters(QgsMapLayerProxyModel.RasterLayer)
        methods = choices.methods()
        self.method = _combo([(m.name, f"{m.title} ({m.name})") for m in methods],
                             [m.summary for m in methods])
        self.model_button = QPushButton("Model file...")
        self.model_button.setToolTip("Run a saved model file (.safetensors with its .json sidecar, e.g. made "
                                     "by SWIFT) as the method; adaptation works on top of it")
        self.model_button.clicked.connect(self.browse_model_file)
        self.sensor = _combo(choices.sensors())
        self.output = QgsFileWidget()
        self.output.setStorageMode(QgsFileWidget.SaveFile)
        self.output.setFilter("GeoTIFF (*.tif *.tiff)")
        self.output.lineEdit().setPlaceholderText("[Save to temporary file]")
        self.assess = QCheckBox("Assess quality after the run")
        self.assess.setToolTip(
            "Compute the no-reference quality indices (D_rho, R_Q2n, R_SAM, R_ERGAS, RQNR, D_s_R, HQNR, "
            "D_lambda_K, D_s, QNR, D_lambda) of the result "
            f"on a centred window of at most {choices.DEFAULT_ASSESS_MAX_SIZE} x "
            f"{choices.DEFAULT_ASSESS_MAX_SIZE} px; untick to skip it on huge rasters")
        self.dtype = _combo([("auto", "Same as MS"), ("float32", "Float32")])
        self.device = _combo([(d, d.upper() if d != "auto" else "Auto (GPU when present)")
                              for d in choices.devices()])
        self.block_size = QSpinBox()
        self.block_size.setRange(64, 8192)
        self.block_size.setSingleStep(256)
        self.block_size.setSuffix(" px")
        self.options = QLineEdit()
        self.options.setPlaceholderText("key=value;key=value (method options)")
        self.adapt = AdaptForm()
        self._layout()
        self.restore()
        self.method.currentIndexChanged.connect(self._method_changed)
        self._method_changed()

    def _method_changed(self) -> None:
        self.adapt.set_method(str(self.method.currentData()))

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
        self.advanced = QgsCollapsibleGroupBox("Advanced")
        self.advanced.setCollapsed(True)
        adv = QFormLayout(self.advanced)
        adv.addRow("Output type", self.dtype)
        adv.addRow("Device", self.device)
        adv.addRow("Block size", self.block_size)
        adv.addRow("Options", self.options)
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
            self.method.setItemData(self.method.count() - 1, full, Qt.ToolTipRole)
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
        for path in s.value(SETTINGS_PREFIX + "model_files", [], type=list) or []:
            if os.path.isfile(str(path)):  # a moved or deleted model file just leaves the picker
                self.add_model_file(str(path), select=False)
        method = str(s.value(SETTINGS_PREFIX + "method", first))
        _select(self.method, method if self.method.findData(method) >= 0 else first)
        self.adapt.restore(s, SETTINGS_PREFIX)
        _select(self.sensor, str(s.value(SETTINGS_PREFIX + "sensor", "auto")))
        _select(self.dtype, str(s.value(SETTINGS_PREFIX + "dtype", "auto")))
        _select(self.device, str(s.value(SETTINGS_PREFIX + "device", "auto")))
        self.block_size.setValue(int(s.value(SETTINGS_PREFIX + "block_size", choices.DEFAULT_BLOCK_SIZE)))
        self.options.setText(str(s.value(SETTINGS_PREFIX + "options", "")))
        self.assess.setChecked(bool(s.value(SETTINGS_PREFIX + "assess", True, type=bool)))
        self.output.setDefaultRoot(str(s.value(SETTINGS_PREFIX + "output_folder", "")))

    def save(self) -> None:
        """Remember the current choices (not the output file: a rerun must not overwrite it silently)."""
        s = QgsSettings()
        for key, box in (("method", self.method), ("sensor", self.sensor), ("dtype", self.dtype),
                         ("device", self.device)):
            s.setValue(SETTINGS_PREFIX + key, box.currentData())
        s.setValue(SETTINGS_PREFIX + "model_files", self.model_files()[-MAX_MODEL_FILES:])
        s.setValue(SETTINGS_PREFIX + "block_size", self.block_size.value())
        s.setValue(SETTINGS_PREFIX + "options", self.options.text())
        s.setValue(SETTINGS_PREFIX + "assess", self.assess.isChecked())
        self.adapt.save(s, SETTINGS_PREFIX)
        if self.output.filePath():
            s.setValue(SETTINGS_PREFIX + "output_folder", os.path.dirname(self.output.filePath()))


def temporary_output(method: str) -> str:
    """A fresh GeoTIFF path in the QGIS Processing temporary folder (deleted when QGIS exits)."""
    return QgsProcessingUtils.generateTempFilename(f"pansharpened_{method}.tif")


def request_from_form(form: FusionForm) -> PansharpenRequest:
    """The request the dock runs; raises EngineError (one line) for unusable layers or options."""
    method = str(form.method.currentData())
    output = form.output.filePath().strip() or temporary_output(method)
    adapt, adapt_options = form.adapt.values()
    return PansharpenRequest(
        pan=raster_path(form.pan.currentLayer(), "PAN"),
        ms=raster_path(form.ms.currentLayer(), "MS"),
        output=output,
        method=method,
        sensor=str(form.sensor.currentData()),
        output_dtype=str(form.dtype.currentData()),
        device=str(form.device.currentData()),
        block_size=form.block_size.value(),
        options=dict(choices.parse_options(form.options.text())),
        adapt=adapt,
        adapt_options=dict(adapt_options),
    )
