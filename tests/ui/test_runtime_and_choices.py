"""Finding torch for QGIS's Python, and the option string of the front ends."""
from __future__ import annotations

import os
import sys

import pytest
from pansharpen_adapt.engine.errors import EngineError
from pansharpen_adapt.ui import choices, runtime


def test_venv_site_packages_match_this_python(tmp_path) -> None:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    good = tmp_path / "venv" / "lib" / version / "site-packages"
    other = tmp_path / "venv" / "lib" / "python2.7" / "site-packages"
    good.mkdir(parents=True)
    other.mkdir(parents=True)
    assert runtime.site_packages(str(tmp_path / "venv")) == [str(good)]
    assert runtime.site_packages(str(tmp_path / "missing")) == []


def test_candidate_venvs_order(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(runtime.VENV_ENV, str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert runtime.candidate_venvs() == [
        str(tmp_path / "mine"),
        os.path.join(runtime.PLUGIN_DIR, ".venv"),
        str(tmp_path / "data" / "pansharpen_adapt" / "venv"),
    ]
    monkeypatch.delenv(runtime.VENV_ENV)
    assert runtime.candidate_venvs()[0] == os.path.join(runtime.PLUGIN_DIR, ".venv")


def test_torch_is_found_here() -> None:
    assert runtime.torch_problem() is None
    assert runtime.torch_summary().startswith("PyTorch ")


def test_missing_torch_message_says_what_to_do(monkeypatch) -> None:
    message = runtime._describe("ModuleNotFoundError: No module named 'torch'")
    assert "PyTorch" in message and "Installing PyTorch" in message and runtime.default_venv() in message
    assert "\n" not in message


@pytest.mark.parametrize("text, expected", [
    ("", {}),
    ("weights=0.1,0.2;  ", {"weights": "0.1,0.2"}),
    (" a = 1 ; b=x=y ", {"a": "1", "b": "x=y"}),
])
def test_parse_options(text, expected) -> None:
    assert choices.parse_options(text) == expected


def test_parse_options_rejects_items_without_equals() -> None:
    with pytest.raises(EngineError, match="key=value"):
        choices.parse_options("weights")


def test_choices_follow_the_engine() -> None:
    from pansharpen_adapt.engine.methods.registry import list_methods
    from pansharpen_adapt.engine.request import DEFAULT_METHOD

    assert choices.method_names() == [m.name for m in list_methods()]
    assert DEFAULT_METHOD in choices.method_names()
    assert choices.sensor_names()[0] == "auto"
