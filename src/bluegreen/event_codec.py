"""How a deployment event is stored: its kind's name and its fields as JSON values.

The only module that knows that shape (the journal writes through `encode`; `view` and the
history read through `decode`).
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin, get_type_hints

from bluegreen.events import TYPES, DeploymentEvent, Kind
from bluegreen.model import Release, Scaling, Weights


def _encode_value(value: Any) -> Any:
    if isinstance(value, Weights):
        return value.as_dict()
    if isinstance(value, Release | Scaling):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_encode_value(v) for v in value]
    return value


def encode(event: DeploymentEvent) -> tuple[str, dict[str, Any]]:
    """The event's name and JSON fields, as the state store keeps them."""
    data = {f.name: _encode_value(getattr(event, f.name)) for f in dataclasses.fields(event)}
    return event.kind.value, data


_DECODERS: Mapping[Any, Any] = {
    Weights: lambda v: Weights(int(v.get("blue", 0)), int(v.get("green", 0))),
    Release: Release.from_dict,
    Scaling: Scaling.from_dict,
    float: float,
    int: int,
}


def _decode_value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if get_origin(hint) in (Union, types.UnionType):
        hint = next(a for a in get_args(hint) if a is not type(None))
    if get_origin(hint) is tuple:
        item = _DECODERS.get(get_args(hint)[0]) if get_args(hint) else None
        return tuple(item(v) if item else v for v in value)
    decoder = _DECODERS.get(hint)
    return decoder(value) if decoder else value


def decode(name: str, data: Mapping[str, Any]) -> DeploymentEvent | None:
    """The typed event stored as `name` with `data`; None for a name (or shape) not known here."""
    try:
        cls = TYPES[Kind(name)]
    except ValueError:
        return None
    hints = get_type_hints(cls)
    try:
        fields = {
            f.name: _decode_value(hints[f.name], data[f.name])
            for f in dataclasses.fields(cls)
            if f.name in data
        }
        return cls(**fields)
    except (TypeError, ValueError, AttributeError, KeyError):
        return None  # a damaged entry reads as unknown rather than stopping every reader
