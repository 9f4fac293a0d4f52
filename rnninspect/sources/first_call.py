"""The input signature Keras recorded when a subclassed model was first called (or built).

`m = MyLM(); m(tf.zeros([2, T], tf.int32)); return m` is how most TF2 tutorials build a
subclassed model: it has no symbolic `inputs`, but Keras kept what it was built with.
tf-keras records whole `TensorSpec`s (`model.save_spec()`); Keras 3 records only shapes
(`_build_shapes_dict`), so an input's dtype is taken from the layer that read it: an input
that an `Embedding` was built on (whole, or one step of it) holds integer ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

FIRST_CALL = "first_call"  # config["signature_from"]: the model's first call
BUILD = "build"  # ... or its build(input_shape), called without data

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class Recorded:
    specs: tuple[Any, ...]  # tf.TensorSpec, one per tensor of the first call
    origin: str  # FIRST_CALL or BUILD
    as_list: bool  # the first call took its tensors as one list: model([a, b])

    def config(self) -> tuple[tuple[str, Any], ...]:
        """What the Inspection's config (header, JSON) says about this signature."""
        return (
            ("input_dtypes", tuple(s.dtype.name for s in self.specs)),
            ("input_shapes", tuple(tuple(s.shape.as_list()) for s in self.specs)),
            ("signature_from", self.origin),
        )

    def call(self, model_obj: Any) -> Callable[..., Any] | None:
        """How to call the model with the specs' tensors (None: `model(*tensors)`)."""
        if not self.as_list:
            return None

        def forward(*args: Any) -> Any:
            return model_obj(list(args), training=False)

        return forward


def recorded_signature(model_obj: Any) -> Recorded | None:
    """The first call's signature, or None when Keras recorded nothing usable."""
    save_spec = getattr(model_obj, "save_spec", None)
    if callable(save_spec):  # tf-keras: the first call's TensorSpecs, dtypes included
        return _from_save_spec(save_spec)
    shapes = getattr(model_obj, "_build_shapes_dict", None)  # Keras 3
    if not isinstance(shapes, dict) or len(shapes) != 1:
        return None  # several build arguments: which call argument is which is unknown
    (recorded,) = shapes.values()
    origin = FIRST_CALL if getattr(model_obj, "_called", False) else BUILD
    if _is_shape(recorded):
        if _required_tensor_args(model_obj) > 1:
            return None  # Keras kept only the first of several inputs
        return Recorded((_spec(model_obj, tuple(recorded), _first_arg(model_obj)),), origin,
                        False)
    if isinstance(recorded, (list, tuple)) and recorded and all(map(_is_shape, recorded)):
        specs = tuple(_spec(model_obj, tuple(s), None) for s in recorded)
        return Recorded(specs, origin, True)
    return None


def _from_save_spec(save_spec: Callable[..., Any]) -> Recorded | None:
    import tensorflow as tf

    try:
        found = save_spec(dynamic_batch=False)
    except (TypeError, ValueError, AttributeError):
        return None
    if not found:
        return None
    args, kwargs = found
    if kwargs or not args:
        return None
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        inner = tuple(args[0])
        if inner and all(isinstance(s, tf.TensorSpec) for s in inner):
            return Recorded(inner, FIRST_CALL, True)
        return None
    if all(isinstance(s, tf.TensorSpec) for s in args):
        return Recorded(tuple(args), FIRST_CALL, False)
    return None


def _is_shape(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, int) for d in value)


def _spec(model_obj: Any, shape: Shape, name: str | None) -> Any:
    import tensorflow as tf

    dtype = tf.int32 if _fed_to_embedding(model_obj, shape) else tf.float32
    return tf.TensorSpec(list(shape), dtype, name)


def _fed_to_embedding(model_obj: Any, shape: Shape) -> bool:
    """Was a Keras Embedding inside the model built on this input, or on one step of it?"""
    one_step = shape[:1] + shape[2:]
    for layer in _sublayers(model_obj):
        if not any(c.__name__ == "Embedding" and c.__module__.startswith("keras")
                   for c in type(layer).__mro__):
            continue
        built = getattr(layer, "_build_shapes_dict", None) or {}
        if any(_is_shape(s) and tuple(s) in (shape, one_step) for s in built.values()):
            return True
    return False


def _sublayers(model_obj: Any) -> Sequence[Any]:
    flatten = getattr(model_obj, "_flatten_layers", None)
    if not callable(flatten):
        return ()
    try:
        return list(flatten(include_self=False, recursive=True))
    except TypeError:
        return ()


def _call_parameters(model_obj: Any) -> list[Any]:
    import inspect

    try:
        signature = inspect.signature(model_obj.call)
    except (AttributeError, TypeError, ValueError):
        return []
    return [p for p in signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            and p.name not in ("training", "mask")]


def _required_tensor_args(model_obj: Any) -> int:
    return sum(1 for p in _call_parameters(model_obj) if p.default is p.empty)


def _first_arg(model_obj: Any) -> str | None:
    params = _call_parameters(model_obj)
    return params[0].name if params else None
