"""`run --adapt ...` flags become the request's adapt fields."""
from __future__ import annotations

from engine.cli.main import build_parser
from engine.cli.run import request_from_args


def _request(*extra: str):  # type: ignore[no-untyped-def]
    args = build_parser().parse_args(["run", "--pan", "p.tif", "--ms", "m.tif", "--out", "o.tif",
                                      "--method", "fusionnet", *extra])
    return request_from_args(args)


def test_default_is_no_adaptation() -> None:
    req = _request()
    assert req.adapt == "none" and req.adapt_options == {}


def test_adapt_flags_reach_the_request() -> None:
    req = _request("--adapt", "tailor", "--adapt-steps", "12", "--adapt-max-patches", "4",
                   "--adapt-loss-weights", "1,0.5,0.1", "--adapt-tailor", "conditional")
    assert req.adapt == "tailor"
    assert req.adapt_options == {"steps": "12", "max_patches": "4", "loss_weights": "1,0.5,0.1",
                                 "tailor": "conditional"}
