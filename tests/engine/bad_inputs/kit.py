"""Tools of the bad-input catalogue: inputs built in a temporary folder from the bundled QuickBird crop, the
CLI run in this process (every byte written to stdout / stderr captured at the file-descriptor level, GDAL's
C messages included), and the promises checked: exit code, one error line without a traceback, inputs
unchanged, nothing left behind in the output folder."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from engine.cli.main import main
from tests.conftest import pair_paths
from tests.engine.rasters import georef, read, variant, write


@dataclass
class Outcome:
    rc: int
    out: str
    err: str

    def lines(self) -> List[str]:
        """Non-empty stderr lines (the progress bar is off: --quiet)."""
        return [line for line in self.err.splitlines() if line.strip()]


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def snapshot(folder: str) -> Dict[str, str]:
    """{name: sha256} of every file in folder (links by their own name, targets hashed)."""
    return {n: sha256(os.path.join(folder, n)) if os.path.isfile(os.path.join(folder, n)) else "dir"
            for n in sorted(os.listdir(folder))}


class Kit:
    """A temporary workspace: `inputs` holds copies of the QuickBird crop (and any variant a case makes),
    `out` is the output folder. `check` runs the CLI and asserts the catalogue's promises."""

    def __init__(self, root: str, capfd) -> None:  # type: ignore[no-untyped-def]
        self.inputs = os.path.join(root, "in")
        self.out = os.path.join(root, "out")
        os.makedirs(self.inputs)
        os.makedirs(self.out)
        self.capfd = capfd
        src_pan, src_ms = pair_paths("quickbird")
        self.pan = shutil.copy(src_pan, os.path.join(self.inputs, "qb_pan.tif"))
        self.ms = shutil.copy(src_ms, os.path.join(self.inputs, "qb_ms.tif"))

    def path(self, name: str, folder: Optional[str] = None) -> str:
        return os.path.join(folder or self.inputs, name)

    def ms_variant(self, name: str, data: Optional[np.ndarray] = None, nodata: Optional[float] = None,
                   gt: Optional[Sequence[float]] = None) -> str:
        return variant(self.ms, self.path(name), data, nodata, gt)

    def pan_variant(self, name: str, data: Optional[np.ndarray] = None,
                    gt: Optional[Sequence[float]] = None) -> str:
        return variant(self.pan, self.path(name), data, None, gt)

    def raw(self, name: str, content: bytes) -> str:
        with open(self.path(name), "wb") as f:
            f.write(content)
        return self.path(name)

    def run(self, *argv: str) -> Outcome:
        self.capfd.readouterr()
        rc = main(list(argv))
        captured = self.capfd.readouterr()
        return Outcome(rc, captured.out, captured.err)

    def check(self, argv: Sequence[str], rc: int = 2, message: str = "") -> Outcome:
        """Run argv; assert exit code rc, and for a refusal exactly one 'error:' line matching `message`;
        in every case the inputs are unchanged and no partial file is left in either folder. For a
        refusal the output folder is also exactly as before."""
        before_in, before_out = snapshot(self.inputs), snapshot(self.out)
        outcome = self.run(*argv)
        assert outcome.rc == rc, (outcome.rc, outcome.err)
        assert "Traceback" not in outcome.err and "Exception ignored" not in outcome.err, outcome.err
        if rc != 0:
            lines = outcome.lines()
            assert len(lines) == 1, lines
            assert lines[0].startswith(("error:", "cancelled:")), lines[0]
            assert re.search(message, lines[0]), (message, lines[0])
            assert snapshot(self.out) == before_out, "a refused job must not write anything"
        assert snapshot(self.inputs) == before_in, "an input changed"
        for folder in (self.inputs, self.out):
            assert not [n for n in os.listdir(folder) if n.startswith(".partial-")], os.listdir(folder)
        return outcome


def float_copy(path: str, dst: str, dtype: type = np.float32,
               bad: Optional[Dict[tuple, float]] = None) -> str:
    """A float copy of a raster with some pixels set: bad maps (band, row, col) -> value."""
    data = read(path).astype(dtype)
    for (b, y, x), value in (bad or {}).items():
        data[b, y, x] = value
    gt, wkt = georef(path)
    return write(dst, data, gt, wkt)
