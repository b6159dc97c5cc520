"""Raster I/O with GDAL: inspection, PAN/MS alignment, the pair opener (pairs.py), windowed reads, fill
values, image-wide statistics, atomic GeoTIFF output."""
