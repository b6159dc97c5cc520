"""Fusion methods and their registry: classical methods and the one deep method (deep.py) with its weight
sources (deep_weights.py)."""
