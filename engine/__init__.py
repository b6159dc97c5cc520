"""Pansharpen & Adapt engine: raster I/O, sensor physics, fusion methods. No QGIS or Qt imports."""
__version__ = "0.1.0"
