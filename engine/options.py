"""Option values as front ends hand them over (CLI strings, dock widgets, Processing values), and the one
parser that casts and checks a keyed value: method options, adaptation options and SWIFT settings use it."""
from __future__ import annotations

from typing import Callable, Mapping, TypeVar, Union

from .errors import EngineError

OptionValue = Union[str, float, int, bool]
T = TypeVar("T")


def option_value(values: Mapping[str, object], key: str, cast: Callable[[str], T], default: T,
                 ok: Callable[[T], bool], rule: str, what: str = "adapt option") -> T:
    """values[key] cast (from its stripped, lower-cased text) and checked; default when absent or blank;
    EngineError "<what> KEY must be RULE, got 'VALUE'" otherwise."""
    if key not in values or str(values[key]).strip() == "":
        return default
    try:
        value = cast(str(values[key]).strip().lower())
    except ValueError:
        raise EngineError(f"{what} {key} must be {rule}, got '{values[key]}'") from None
    if not ok(value):
        raise EngineError(f"{what} {key} must be {rule}, got '{values[key]}'")
    return value


def flag(value: object) -> bool:
    """A yes/no option: 'true', '1', 'yes', 'on' (any case) or True."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")
