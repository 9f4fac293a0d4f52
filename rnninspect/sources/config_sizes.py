"""A Keras model config whose layer sizes disagree with the weights stored beside it is
refused before Keras builds it: Keras allocates and initialises every weight a config
declares before it reads the stored ones, so `"units": 1000000` in a 40 KB file would take
terabytes (or hours of orthogonal initialisation) before failing.

The rule, for any Keras model file: a layer's size arguments (`SIZE_KEYS`) are dimensions of
its own weights, or a factor of one (an LSTM's kernel is [input, 4·units], a convolution's
[..., filters], an embedding's [input_dim, output_dim]); so none can exceed the largest
dimension of any weight the file stores. Only a file that stores weights is checked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rnninspect.errors import ModelSourceError

SIZE_KEYS = ("units", "filters", "input_dim", "output_dim")


def stored_dims(h5: Any) -> list[int]:
    """Every dimension of every dataset in an open h5py File or Group."""
    import h5py

    found: list[int] = []

    def visit(_: str, item: Any) -> None:
        if isinstance(item, h5py.Dataset) and item.shape:
            found.extend(int(d) for d in item.shape)

    h5.visititems(visit)
    return found


def refuse_oversized_layers(config: Any, dims: Iterable[int], spec: str) -> None:
    """Raise when a layer in `config` (parsed JSON) declares a size larger than every stored
    weight dimension in `dims` (see the module docstring); nothing when none is stored."""
    largest = max(dims, default=None)
    if largest is None:
        return
    stack = [config]
    while stack:  # explicit: a config may be nested deeply
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        stack.extend(item.values())
        inner = item.get("config")
        if not isinstance(inner, dict):
            continue
        for key in SIZE_KEYS:
            value = inner.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > largest:
                name = inner.get("name", item.get("class_name", "?"))
                raise ModelSourceError(
                    f"{spec!r}: layer {name!r} declares {key}={value:,}, larger than any "
                    f"weight the file stores (the largest dimension is {largest:,}), so its "
                    f"config and weights disagree: the file is damaged or edited; save the "
                    f"model again")
