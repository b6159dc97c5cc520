"""Command line: `python -m engine` (main.py), one module per command."""
