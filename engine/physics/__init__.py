"""Sensor physics: presets, MTF-matched filters, degradation and interpolation."""
