"""The dock's adaptation widgets: the mode picker (deep methods only) and its advanced options."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

from qgis.core import QgsSettings
from qgis.gui import QgsCollapsibleGroupBox
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QLineEdit, QSpinBox

from . import choices

DISABLED_TIP = "Adaptation applies to the deep backbone methods (and saved model files) only: {}"
ENABLED_TIP = ("Adapt the pretrained net to this image before fusing (from the image alone): Feature "
               "Tailor trains a small add-on, Full fine-tune trains the whole net (slower), SWIFT "
               "fine-tunes its most sensitive weights into a reusable model file next to the output "
               "(<output>_swift.safetensors) and fuses with it")
DEFAULT_STEPS = -1  # spin box minimum, shown as "Default": the engine's default for the mode


class AdaptForm:
    """mode (a combo for the main form) and group (collapsible advanced options) of the dock.

    Blank or 'Default' values are left out of adapt_options, so the engine's per-mode defaults apply.
    The SWIFT choice is not an engine adaptation mode: values() then says 'none' and swift_options()
    gives the SWIFT settings (steps, lr, seed) of the model file the dock makes first.
    """

    def __init__(self) -> None:
        self.mode = QComboBox()
        for name in choices.DOCK_ADAPT_MODES:
            self.mode.addItem(choices.ADAPT_TITLES[name], name)
        self.steps = QSpinBox()
        self.steps.setRange(DEFAULT_STEPS, 100000)
        self.steps.setSpecialValueText(f"Default ({choices.ADAPT_STEPS['tailor']} tailor, "
                                       f"{choices.ADAPT_STEPS['full']} full, {choices.SWIFT_STEPS} SWIFT)")
        self.lr = QLineEdit()
        lrs = (choices.ADAPT_LR["tailor"], choices.ADAPT_LR["full"], choices.SWIFT_LR)
        self.lr.setPlaceholderText("default ({:g} / {:g} / {:g})".format(*lrs))
        self.lr.setToolTip("Learning rate; blank = the default of the mode (tailor / full / SWIFT)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.group = QgsCollapsibleGroupBox("Adaptation options")
        self.group.setCollapsed(True)
        layout = QFormLayout(self.group)
        layout.addRow("Steps", self.steps)
        layout.addRow("Learning rate", self.lr)
        layout.addRow("Seed", self.seed)

    def set_method(self, method: str) -> None:
        """Enable the picker for deep backbones and model files; otherwise disable it and say why."""
        deep = choices.deep_method_names()
        enabled = choices.is_deep(method)
        self.mode.setEnabled(enabled)
        self.group.setEnabled(enabled)
        self.mode.setToolTip(ENABLED_TIP if enabled else DISABLED_TIP.format(", ".join(deep) or "none"))

    def _chosen(self) -> str:
        return str(self.mode.currentData()) if self.mode.isEnabled() else "none"

    def _options(self) -> Dict[str, str]:
        options = {"seed": str(self.seed.value())}
        if self.steps.value() != DEFAULT_STEPS:
            options["steps"] = str(self.steps.value())
        if self.lr.text().strip():
            options["lr"] = self.lr.text().strip()
        return options

    def values(self) -> Tuple[str, Dict[str, str]]:
        """(adapt mode, adapt_options) for the request; 'none' while disabled or when SWIFT is chosen."""
        mode = self._chosen()
        if mode in ("none", choices.SWIFT):
            return "none", {}
        return mode, self._options()

    def swift_options(self) -> Optional[Dict[str, str]]:
        """SWIFT options (steps, lr, seed as given) when 'SWIFT (adapt and apply)' is chosen, else None."""
        return self._options() if self._chosen() == choices.SWIFT else None

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
