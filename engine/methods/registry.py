"""Registry of fusion methods by name."""
from __future__ import annotations

from typing import Dict, List

from ..errors import EngineError
from ..generative.sb import sb_method
from .awlp import AWLP
from .base import Method
from .bdsd import BDSDPC
from .component_substitution import GIHS, GS, GSA, PCA, Brovey
from .deep import deep_methods, is_model_path, model_method
from .multiresolution import HPF, MTFGLP, MTFGLPHPM
from .regression import MTFGLPFS, MTFGLPHPMR

_METHODS: Dict[str, Method] = {m.name: m for m in (
    Brovey(), GIHS(), PCA(), GS(), GSA(), BDSDPC(), HPF(), MTFGLP(), MTFGLPHPM(), MTFGLPFS(), MTFGLPHPMR(),
    AWLP(), *deep_methods(), sb_method())}


def register(method: Method) -> None:
    """Add a method (later modules register deep backbones here)."""
    _METHODS[method.name] = method


def list_methods() -> List[Method]:
    """All methods in registration order."""
    return list(_METHODS.values())


def get_method(name: str) -> Method:
    """Method by name (case-insensitive, '-' or '_'), or a saved model file path (*.safetensors, see
    engine/methods/deep.py model_method); raises EngineError listing the valid names."""
    if is_model_path(name):
        return model_method(name)
    key = (name or "").strip().lower().replace("-", "_")
    if key not in _METHODS:
        raise EngineError(f"unknown method '{name}'; choose one of: {', '.join(_METHODS)} "
                          "or a model file (.safetensors)")
    return _METHODS[key]
