"""The dock's adaptation widgets: the mode picker (deep methods only) and its advanced options."""
from __future__ import annotations

from typing import Dict, Tuple

from qgis.core import QgsSettings
from qgis.gui import QgsCollapsibleGroupBox
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QLineEdit, QSpinBox

from . import choices

DISABLED_TIP = "Adaptation applies to the deep backbone methods only: {}"
ENABLED_TIP = ("Adapt the pretrained net to this image before fusing (from the image alone): Feature "
               "Tailor trains a small add-on, Full fine-tune trains the whole net (slower)")
DEFAULT_STEPS = -1  # spin box minimum, shown as "Default": the engine's default for the mode


class AdaptForm:
    """mode (a combo for the main form) and group (collapsible advanced options) of the dock.

    Blank or 'Default' values are left out of adapt_options, so the engine's per-mode defaults apply.
    """

    def __init__(self) -> None:
        self.mode = QComboBox()
        for name in choices.ADAPT_MODES:
            self.mode.addItem(choices.ADAPT_TITLES[name], name)
        self.steps = QSpinBox()
        self.steps.setRange(DEFAULT_STEPS, 100000)
        self.steps.setSpecialValueText(f"Default ({choices.ADAPT_STEPS['tailor']} tailor, "
                                       f"{choices.ADAPT_STEPS['full']} full)")
        self.lr = QLineEdit()
        self.lr.setPlaceholderText(f"default ({choices.ADAPT_LR['tailor']:g} tailor, "
                                   f"{choices.ADAPT_LR['full']:g} full)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.group = QgsCollapsibleGroupBox("Adaptation options")
        self.group.setCollapsed(True)
        layout = QFormLayout(self.group)
        layout.addRow("Steps", self.steps)
        layout.addRow("Learning rate", self.lr)
        layout.addRow("Seed", self.seed)

    def set_method(self, method: str) -> None:
        """Enable the picker for deep backbones; otherwise disable it and say why in its tooltip."""
        deep = choices.deep_method_names()
        enabled = method in deep
        self.mode.setEnabled(enabled)
        self.group.setEnabled(enabled)
        self.mode.setToolTip(ENABLED_TIP if enabled else DISABLED_TIP.format(", ".join(deep) or "none"))

    def values(self) -> Tuple[str, Dict[str, str]]:
        """(adapt mode, adapt_options) for the request; mode 'none' while the picker is disabled."""
        mode = str(self.mode.currentData()) if self.mode.isEnabled() else "none"
        if mode == "none":
            return "none", {}
        options = {"seed": str(self.seed.value())}
        if self.steps.value() != DEFAULT_STEPS:
            options["steps"] = str(self.steps.value())
        if self.lr.text().strip():
            options["lr"] = self.lr.text().strip()
        return mode, options

    def restore(self, s: QgsSettings, prefix: str) -> None:
        """Remembered values (first run: Feature Tailor with the engine defaults)."""
        index = self.mode.findData(str(s.value(prefix + "adapt", choices.DOCK_DEFAULT_ADAPT)))
        self.mode.setCurrentIndex(max(index, 0))
        self.steps.setValue(int(s.value(prefix + "adapt_steps", DEFAULT_STEPS)))
        self.lr.setText(str(s.value(prefix + "adapt_lr", "")))
        self.seed.setValue(int(s.value(prefix + "adapt_seed", choices.ADAPT_SEED)))

    def save(self, s: QgsSettings, prefix: str) -> None:
        """Remember the adaptation choices (the mode even while disabled, for the next deep method)."""
        s.setValue(prefix + "adapt", self.mode.currentData())
        s.setValue(prefix + "adapt_steps", self.steps.value())
        s.setValue(prefix + "adapt_lr", self.lr.text().strip())
        s.setValue(prefix + "adapt_seed", self.seed.value())
