"""QGIS plugin entry point for Pansharpen & Adapt."""


def classFactory(iface):  # noqa: N802 - name required by QGIS
    """Create the plugin instance (called by QGIS when the plugin is loaded)."""
    from .plugin import PansharpenAdaptPlugin

    return PansharpenAdaptPlugin(iface)
