"""Per-image unsupervised adaptation of a frozen pretrained backbone (Feature Tailor, issue 5).

tailor.py: the residual modules inserted between features and mapper; losses.py: physics-aware
full-resolution losses; train.py: patch sampling, feature caching and the training loop; method.py: the
fusion method that runs a backbone with a trained tailor through the block pipeline.
"""
