"""Fusion methods (classical now; deep backbones register themselves in the same registry)."""
