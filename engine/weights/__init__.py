"""Weight files: shipped backbones (shipped.py), SWIFT model files (model_file.py), tailor files
(tailor_file.py); one checksum rule (checksum.py)."""
