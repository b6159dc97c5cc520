"""QGIS faces of the plugin: dock, worker thread, Processing provider and algorithm."""
