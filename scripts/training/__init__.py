"""Helpers of scripts/train_backbone.py: data sets by the Wald protocol, indices, evaluation."""
