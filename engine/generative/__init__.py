"""Generative pansharpening (issue 18): shared parts and the Schroedinger-bridge method.

Modules (each imports torch; nothing here is imported by `import engine`):
  noise     - Gaussian noise from global pixel coordinates and a seed (seamless, reproducible tiles)
  unet      - time embedding and the small conditional dilated UNet family (x_t, t, PAN, upsampled MS)
  bridge    - bridge matching objective and the bridge ODE / SDE samplers
  sb        - the `sb` fusion method (engine Method)
  weights   - the shipped nets (resources/weights/generative), checked like the backbones
The uncertainty raster (a pipeline run of the spread) is engine/uncertainty.py, in the pipeline's layer.
"""
