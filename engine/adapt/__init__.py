"""Per-image unsupervised adaptation of a frozen pretrained backbone: Feature Tailor and full fine-tuning.

On top of the training toolkit (engine/training: patches, losses, optimiser): train.py is the training loop
(feature cache, tailor or whole net), groups.py trains over band groups, guard.py keeps the adaptation only
when it beats the pretrained net on held-out patches, method.py adapts a DeepMethod to the image being
processed (its weight source becomes the adapted net, engine/methods/deep_weights.py), options.py parses the
adaptation options. The tailor module is engine/backbones/tailor.py; tailor files
engine/weights/tailor_file.py.
"""
