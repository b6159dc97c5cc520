"""scripts/build_zip.sh: the zip holds the plugin, and only the plugin, under pansharpen_adapt/."""
from __future__ import annotations

import configparser
import os
import subprocess
import sys
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUIRED = ("metadata.txt", "__init__.py", "plugin.py", "LICENSE", "README.md", "resources/icon.svg",
            "engine/__init__.py", "engine/pipeline.py", "ui/__init__.py", "ui/dock.py",
            "ui/processing_provider.py")

# Every submodule of the extracted plugin must import with the plugin folder as the only path entry.
IMPORT_ALL = """
import importlib, pkgutil, sys
sys.path.insert(0, sys.argv[1])
import pansharpen_adapt
names = [m.name for m in pkgutil.walk_packages(pansharpen_adapt.__path__, 'pansharpen_adapt.')
         if not m.name.endswith('__main__')]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def _build(out_dir: str) -> str:
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "build_zip.sh"), out_dir],
                          capture_output=True, text=True, check=True, timeout=120)
    return proc.stdout.strip().splitlines()[-1]


def test_zip_holds_the_plugin_folder_only(tmp_path) -> None:
    path = _build(str(tmp_path))
    assert os.path.basename(path).startswith("pansharpen_adapt-") and path.endswith(".zip")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        meta = configparser.ConfigParser(interpolation=None)
        meta.read_string(zf.read("pansharpen_adapt/metadata.txt").decode("utf-8"))
    assert all(n.startswith("pansharpen_adapt/") for n in names)
    for rel in REQUIRED:
        assert f"pansharpen_adapt/{rel}" in names, rel
    forbidden = ("/tests/", "/.venv/", "/scripts/", "__pycache__", ".pyc", "_cache/", "/.git", "/dist/")
    assert [n for n in names if any(f in n for f in forbidden)] == []
    assert meta["general"]["name"] == "Pansharpen & Adapt"
    assert meta["general"]["hasProcessingProvider"] == "yes"


def test_zip_contents_import_on_their_own(tmp_path) -> None:
    path = _build(str(tmp_path / "dist"))
    with zipfile.ZipFile(path) as zf:
        zf.extractall(tmp_path / "plugins")
    proc = subprocess.run([sys.executable, "-c", IMPORT_ALL, str(tmp_path / "plugins")], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=""))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout.strip().splitlines()[-1]) > 20
