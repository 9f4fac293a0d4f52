"""What Keras programs add or switch on, applied to a built Keras 3 program.

Runs in the caller's process, where rnninspect builds a Keras variant file. Layer options are
changed the general way: `keras.models.clone_model(model, clone_function=...)` with each
layer's config edited (inner layers of wrappers such as `Bidirectional` included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

Config = dict[str, Any]


@contextmanager
def around_build(names: list[str]) -> Iterator[None]:
    """Global settings the program is built under, restored afterwards."""
    import keras

    with ExitStack() as stack:
        if "mixed_precision" in names:
            policy = keras.mixed_precision.dtype_policy()
            keras.mixed_precision.set_dtype_policy("mixed_float16")
            stack.callback(keras.mixed_precision.set_dtype_policy, policy)
        if "keras_name_scope" in names:
            stack.enter_context(keras.name_scope("outer"))
        yield


def after_build(names: list[str], value: Any, facts: dict[str, Any]) -> Any:
    model = value[0] if isinstance(value, tuple) else value
    for name in names:
        if name in CLONES:
            model = _clone(model, CLONES[name])
            if name == "unroll":
                facts["unrolled"] = _unrolled_lengths(model)
            if name == "stateful":
                facts["carried_state"] = _state_count(model)
        elif name == "compile_metrics":
            model.compile(optimizer="adam", loss="mse", metrics=["accuracy", "mae"])
    return (model, value[1]) if isinstance(value, tuple) else model


def _clone(model: Any, change: Callable[[Config], None]) -> Any:
    import keras

    def clone(layer: Any) -> Any:
        config = layer.get_config()
        for inner in ("layer", "backward_layer"):  # Bidirectional and other wrappers
            if isinstance(config.get(inner), dict) and "config" in config[inner]:
                change(config[inner]["config"])
        change(config)
        return type(layer).from_config(config)

    return keras.models.clone_model(model, clone_function=clone)


def _rnn(set_key: str, value: Any) -> Callable[[Config], None]:
    """Set `set_key` on every layer whose config has it (the recurrent layers)."""

    def change(config: Config) -> None:
        if set_key in config and "recurrent_initializer" in config:
            config[set_key] = value
    return change


def _regularise(keys: tuple[str, ...]) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        import keras

        for key in keys:
            if key in config:
                config[key] = keras.regularizers.L2(1e-4)
    return change


CLONES: dict[str, Callable[[Config], None]] = {
    "recurrent_dropout": _rnn("recurrent_dropout", 0.2),
    "input_dropout": _rnn("dropout", 0.2),
    "unroll": _rnn("unroll", True),
    "stateful": _rnn("stateful", True),
    "kernel_regularizer": _regularise(("kernel_regularizer",)),
    "all_regularizers": _regularise(("kernel_regularizer", "recurrent_regularizer",
                                     "bias_regularizer", "embeddings_regularizer")),
}


def _unrolled_lengths(model: Any) -> dict[str, int]:
    """Each unrolled layer's variables -> the length of the sequence it runs over."""
    lengths: dict[str, int] = {}
    for layer in model.layers:
        steps = _steps_of(layer)
        if steps is None:
            continue
        for v in layer.weights:
            lengths[v.path] = steps
    return lengths


def _steps_of(layer: Any) -> int | None:
    inner = getattr(layer, "forward_layer", layer)
    if not getattr(inner, "unroll", False):
        return None
    shape = layer.input.shape if not isinstance(layer.input, list) else layer.input[0].shape
    return int(shape[1])


def _state_count(model: Any) -> int:
    """How many state variables the stateful layers hold (Keras makes them at the first call
    and lists them in no `weights`: counted, not named)."""
    import keras

    inputs = model.inputs if isinstance(model.inputs, list) else [model.inputs]
    zeros = [keras.ops.zeros(x.shape, dtype=x.dtype) for x in inputs]
    model(zeros[0] if len(zeros) == 1 else zeros)
    count = 0
    for layer in model.layers:
        # Bidirectional's two layers, TimeDistributed's one
        wrapped = [getattr(layer, k) for k in ("forward_layer", "backward_layer", "layer")
                   if getattr(layer, k, None) is not None]
        for inner in wrapped or [layer]:
            states = getattr(inner, "states", None)
            if isinstance(states, (list, tuple)):
                count += sum(hasattr(v, "path") for v in states)
    return count
