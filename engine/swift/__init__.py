"""SWIFT: sensor-level adaptation of a pretrained backbone by fine-tuning its most sensitive weights.

Stages (engine/swift/run.py): scenes of one sensor are opened (scenes.py, through engine/raster/pairs.py) and
their candidate patches described cheaply (embed.py); about 3 % are chosen by a manifold-aware farthest point
sampler (sampling.py) and read by the training toolkit's patch reader (engine/training); every parameter is
scored by its gradient behaviour on that subset with the unsupervised full-resolution losses of Feature Tailor
(sensitivity.py, objective.py); only the top fraction is fine-tuned through a mask, with early stopping
(finetune.py); the result is a model file (engine/weights/model_file.py) usable wherever a method name is
(engine/methods/deep.py model_method).
"""
