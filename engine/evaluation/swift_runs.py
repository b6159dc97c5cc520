"""SWIFT columns of the evaluation harness (engine/evaluation/harness.py): adapted on other scenes, applied
to unseen
ones.

Split (cross-fitting): the folder's pairs are grouped by sensor preset (the request's sensor, or each pair's
guess); within a group of n pairs, pair i (sorted by name) is in fold i mod k, k = min(n, 3). The model used
for a pair is adapted on the pairs of the other folds, so it never saw that pair; with n <= 3 this is
leave-one-out. A model is made once per (sensor, method, fold) and reused by 'swift' and 'swift+tailor',
which keeps an evaluation at k SWIFT runs per sensor and method. A sensor with a single pair is refused
for SWIFT (one line, the run is skipped). adapt_seconds: the SWIFT time of the model used (for
'swift+tailor' plus the tailor's time on the pair).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ..errors import EngineError
from ..options import OptionValue
from ..progress import CancelToken, ProgressCallback, no_progress
from ..raster.pairs import open_pair
from ..swift.request import SensorAdaptRequest
from ..swift.run import adapt_sensor

SWIFT_MODES = ("swift", "swift+tailor")
MAX_FOLDS = 3


class SwiftModels:
    """Model files of one evaluation, made on demand in `folder` (see module doc)."""

    def __init__(self, pairs: Sequence[Any], folder: str, sensor: str = "auto", device: str = "auto",
                 options: Optional[Mapping[str, OptionValue]] = None) -> None:
        self.pairs, self.folder, self.sensor, self.device = list(pairs), folder, sensor, device
        self.options = dict(options or {})
        self._sensors: Dict[str, str] = {}
        self._models: Dict[Tuple[str, str, int], Tuple[str, float]] = {}

    def sensor_of(self, pair: Any) -> str:
        """The pair's sensor preset name (the request's, or the guess), cached."""
        if pair.name not in self._sensors:
            self._sensors[pair.name] = open_pair(pair.pan, pair.ms, self.sensor)[1].preset.name
        return self._sensors[pair.name]

    def split(self, pair: Any) -> Tuple[str, int, List[Any]]:
        """(sensor, fold of the pair, training pairs: the other folds of the same sensor)."""
        sensor = self.sensor_of(pair)
        group = sorted((p for p in self.pairs if self.sensor_of(p) == sensor), key=lambda p: p.name)
        if len(group) < 2:
            raise EngineError(f"SWIFT evaluation needs at least two pairs of sensor {sensor} in the folder")
        k = min(len(group), MAX_FOLDS)
        fold = [p.name for p in group].index(pair.name) % k
        return sensor, fold, [p for i, p in enumerate(group) if i % k != fold]

    def model_for(self, pair: Any, method: str, progress: ProgressCallback = no_progress,
                  cancel: Optional[CancelToken] = None) -> Tuple[str, float]:
        """(model file adapted without this pair, SWIFT seconds)."""
        sensor, fold, train = self.split(pair)
        key = (sensor, method, fold)
        if key not in self._models:
            out = os.path.join(self.folder, f"swift_{sensor}_{os.path.basename(method)}_{fold}.safetensors")
            req = SensorAdaptRequest(tuple((p.pan, p.ms) for p in train), method, out, self.sensor,
                                     self.device, self.options)
            result = adapt_sensor(req, progress, cancel)
            self._models[key] = (out, sum(result.seconds.values()))
        return self._models[key]


def swift_record(models: SwiftModels, pair: Any, method: str, adapt: str,
                 evaluate_one: Callable[..., Dict[str, Any]], folder: str, sensor: str,
                 adapt_options: Optional[Mapping[str, OptionValue]], device: str, max_size: int,
                 progress: ProgressCallback, cancel: Optional[CancelToken]) -> Dict[str, Any]:
    """The record of `pair` fused by the SWIFT model adapted without it (then tailored for swift+tailor)."""
    path, seconds = models.model_for(pair, method, progress, cancel)
    then = "tailor" if adapt == "swift+tailor" else "none"
    record = evaluate_one(pair, path, then, folder, sensor, adapt_options, device, max_size, progress, cancel)
    record.update(method=method, adapt=adapt,
                  adapt_seconds=seconds + (record["adapt_seconds"] if then == "tailor" else 0.0))
    return record
