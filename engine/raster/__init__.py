"""Raster I/O with GDAL: inspection, PAN/MS alignment, windowed reads, atomic GeoTIFF output."""
