"""A Keras model's input signature: given, from `model.inputs`, from a zoo class's config, or
as Keras recorded it at the model's first call (`first_call`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rnninspect import zoo
from rnninspect.errors import ModelSourceError
from rnninspect.graph import Traced
from rnninspect.sources.first_call import recorded_signature


def trace_keras(model_obj: Any, model: str, signature: list[Any] | None) -> Traced:
    from rnninspect.tf.trace import trace_keras_model

    owner = zoo.owner_of(model_obj)
    call = _zoo_call(owner, model_obj)
    config = tuple(sorted(_config(model_obj).items())) if owner is not None else ()
    if signature is None:
        signature = zoo_signature(model_obj)
    if signature is None and not _symbolic_inputs(model_obj):
        recorded = recorded_signature(model_obj)
        if recorded is not None:  # the header and JSON say where it came from
            signature, config = list(recorded.specs), recorded.config()
            call = recorded.call(model_obj)
    if signature is None:
        signature = derived_signature(model_obj, model)
    if not model_obj.trainable_variables:
        _build_eagerly(model_obj, signature)
    return trace_keras_model(model_obj, signature, model=model, dialect="keras", config=config,
                             call=call)


def zoo_signature(model_obj: Any) -> list[Any] | None:
    """rnninspect's own PTBModel / MNISTModel (e.g. from `rnninspect train --checkpoint`):
    its zoo entry's signature at the entry's default batch size."""
    owner = zoo.owner_of(model_obj)
    return None if owner is None else owner.signature(owner.config_of(model_obj))


def derived_signature(model_obj: Any, model: str) -> list[Any]:
    """From a functional or sequential model's symbolic inputs, else from its first call."""
    import tensorflow as tf

    inputs = _symbolic_inputs(model_obj)
    if not inputs:
        recorded = recorded_signature(model_obj)
        if recorded is not None and not recorded.as_list:
            return list(recorded.specs)
        kind = type(model_obj).__name__
        raise ModelSourceError(
            f"{model} returned a {kind} Keras model with no known input shape (subclassed, "
            f"or never built on an Input); return (model, [tf.TensorSpec([batch, steps, "
            f"features], tf.float32)]) instead so rnninspect can trace it")
    specs = []
    for i, t in enumerate(inputs):
        shape = [None if d is None else int(d) for d in tuple(t.shape)]
        name = str(getattr(t, "name", "") or "").split(":")[0] or None
        if name is None or name.startswith("keras_tensor"):  # Keras's global counter:
            name = f"input_{i}"  # position is stable from run to run
        specs.append(tf.TensorSpec(shape, tf.as_dtype(t.dtype), name))
    return specs


def _symbolic_inputs(model_obj: Any) -> list[Any]:
    try:
        return list(getattr(model_obj, "inputs", None) or [])
    except (AttributeError, ValueError):
        return []


def _config(model_obj: Any) -> dict[str, Any]:
    keys = ("vocab_size", "hidden_size", "num_layers", "num_steps", "n_input", "n_classes")
    return {k: getattr(model_obj, k) for k in keys if hasattr(model_obj, k)}


def _zoo_call(owner: zoo.ZooModel[Any] | None, model_obj: Any) -> Callable[..., Any] | None:
    if owner is None:
        return None

    def logits(*args: Any) -> Any:  # e.g. PTBModel also returns its states
        return owner.logits(model_obj, args)

    return logits


def _build_eagerly(model_obj: Any, signature: list[Any]) -> None:
    """Create a lazily built model's variables outside tf.function, so each variable gets
    its layer's name ("looped/cell/kernel", not "looped/kernel")."""
    import tensorflow as tf

    from rnninspect.tf.imports import silenced_native_stderr

    args = [tf.zeros([1 if d is None else d for d in s.shape], s.dtype) for s in signature]
    many = len(getattr(model_obj, "inputs", None) or []) > 1
    with silenced_native_stderr():
        model_obj(list(args) if many else args[0] if len(args) == 1 else args, training=False)
