"""What a user's NAME returned -> `Traced`: Keras models, tf.Graphs, concrete functions,
and `(tf.Module or Keras model, input_signature)` tuples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rnninspect.errors import InvalidOptionError, ModelSourceError, RnnInspectError
from rnninspect.graph import Traced
from rnninspect.tf.imports import import_tensorflow, silenced_native_stderr

ACCEPTED = ("a built Keras model (functional, sequential or subclassed; Keras 3 or tf-keras), "
            "a tf.Graph (TF1 style), a tf ConcreteFunction, or a tuple (tf.Module or Keras "
            "model, [tf.TensorSpec(...), ...])")


def to_traced(value: Any, model: str, *, source_file: str = "", shown_as: str = "") -> Traced:
    """Trace `value`; a reuse error while tracing is explained in the user's terms."""
    try:
        return _to_traced(value, model)
    except RnnInspectError as e:
        cause = e.__cause__
        if cause is not None and source_file:
            from rnninspect.sources.reuse_errors import explain

            explained = explain(cause, source_file, shown_as)
            if explained is not None:
                raise ModelSourceError(explained) from cause
        raise


def _to_traced(value: Any, model: str) -> Traced:
    tf = import_tensorflow()
    from rnninspect.tf.trace import trace_graph, traced_from_concrete

    if isinstance(value, tuple) and len(value) == 2 and _is_signature(value[1]):
        return _with_signature(value[0], list(value[1]), model)
    if is_keras_model(value):
        from rnninspect.sources.signature import trace_keras

        return trace_keras(value, model, None)
    if isinstance(value, tf.Graph):
        from rnninspect.sources.graph_io import graph_inputs_outputs

        inputs, outputs = graph_inputs_outputs(value, model)
        return trace_graph(value, inputs, outputs, model=model, dialect="legacy")
    if isinstance(value, tf.types.experimental.ConcreteFunction):
        return traced_from_concrete(value, _variables(value, model), model=model,
                                    dialect="keras")
    if isinstance(value, tf.types.experimental.PolymorphicFunction):
        signature = getattr(value, "input_signature", None)
        if signature:
            return _concrete(value, list(signature), model)
        raise ModelSourceError(
            f"{model} returned a tf.function without an input_signature; return "
            f"fn.get_concrete_function(tf.TensorSpec(...)) or decorate it with "
            f"@tf.function(input_signature=[tf.TensorSpec(...)])")
    raise ModelSourceError(f"{model} returned {_describe(value)}; rnninspect accepts {ACCEPTED}")


def is_keras_model(value: Any) -> bool:
    """A Keras 3 or a tf-keras Model, recognised without importing either."""
    return any(
        cls.__name__ == "Model" and cls.__module__.split(".")[0] in ("keras", "tf_keras")
        for cls in type(value).__mro__
    )


def _is_signature(value: Any) -> bool:
    tf = import_tensorflow()
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(s, tf.TensorSpec) for s in value)


def _with_signature(obj: Any, signature: list[Any], model: str) -> Traced:
    tf = import_tensorflow()
    from rnninspect.tf.trace import trace_function

    if is_keras_model(obj):
        from rnninspect.sources.signature import trace_keras

        return trace_keras(obj, model, signature)
    if isinstance(obj, tf.types.experimental.PolymorphicFunction):
        return _concrete(obj, signature, model)
    if isinstance(obj, tf.Module):
        if not callable(obj):
            raise ModelSourceError(
                f"{model} returned a {type(obj).__name__} (tf.Module) without __call__; give "
                f"it a __call__ method, or return (module.method, [tf.TensorSpec(...)])")
        return trace_function(
            obj.__call__, signature, list(obj.variables), model=model, dialect="keras")
    raise ModelSourceError(
        f"{model} returned ({_describe(obj)}, input signature); the first item must be a "
        f"tf.Module or a Keras model")


def _concrete(fn: Any, signature: Sequence[Any], model: str) -> Traced:
    from rnninspect.tf.trace import traced_from_concrete

    with silenced_native_stderr():
        concrete = fn.get_concrete_function(*signature)
    return traced_from_concrete(concrete, list(concrete.variables), model=model, dialect="keras")


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    kind = type(value)
    name = kind.__qualname__ if kind.__module__ == "builtins" else \
        f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(type(v).__name__ for v in value[:4])
        return f"{_article(name)} {name} of ({inner})"
    return f"{_article(name)} {name}"


def _article(word: str) -> str:
    """'an int', 'a str', 'an object'."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def keras_model_and_signature(value: Any, model: str, wanted: str) -> tuple[Any, list[Any]]:
    """A Keras model and its input signature from what a user's builder returned: a model
    (its zoo, recorded or derived signature) or a (model, [tf.TensorSpec]) pair; anything
    else is one line naming what the command (`wanted`: "grads needs a Keras model") takes."""
    from rnninspect.sources.signature import derived_signature, zoo_signature

    if isinstance(value, tuple) and len(value) == 2 and is_keras_model(value[0]):
        return value[0], list(value[1])
    if is_keras_model(value):
        return value, zoo_signature(value) or derived_signature(value, model)
    raise InvalidOptionError(
        f"{wanted} from {model!r} (or a (model, [tf.TensorSpec]) pair); "
        f"got {type(value).__name__}")


def _variables(concrete: Any, model: str) -> list[Any]:
    """A concrete function's variables; it holds them weakly, so if the object that owned them
    was a local of the build function they are gone: one line saying how to keep them."""
    try:
        return list(concrete.variables)
    except AssertionError as e:
        if "variables which have been deleted" not in str(e):
            raise
        raise ModelSourceError(
            f"{model} returned a concrete function whose variables were deleted when it "
            "returned (the object that held them was a local); return (obj, "
            "[tf.TensorSpec(...), ...]) instead, or keep obj in a module-level name") from e
