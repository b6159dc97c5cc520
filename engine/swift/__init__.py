"""SWIFT: sensor-level adaptation of a pretrained backbone by fine-tuning its most sensitive weights.

Stages (engine/swift/run.py): candidate patches of several scenes of one sensor are described cheaply
(embed.py) and about 3 % are chosen by a manifold-aware farthest point sampler (sampling.py); every
parameter is scored by its gradient behaviour on that subset with the unsupervised full-resolution losses of
Feature Tailor (sensitivity.py, objective.py); only the top fraction is fine-tuned through a mask, with early
stopping (finetune.py); the result is a model file (model_file.py) usable wherever a method name is
(method.py).
"""
