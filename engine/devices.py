"""Pick the torch device for a request."""
from __future__ import annotations

import torch

from .errors import EngineError


def resolve_device(choice: str) -> torch.device:
    """'auto' -> CUDA when available, else CPU; 'cuda' without a GPU is an error."""
    if choice == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if choice == "cuda":
        raise EngineError("device 'cuda' requested but no CUDA GPU is available to torch")
    return torch.device("cpu")
