"""`python -m engine` entry point."""
import sys

from .cli.main import main

sys.exit(main())
