"""Save a built program in one of the forms users hand rnninspect (docs/models.md "Your own
models") and say which saved variable is which original one.

Runs where the program is built: TF1 programs in rnninspect's TF1 worker (`SaveProgram` is a
worker request), Keras programs in the caller's process. Before saving, every variable is
filled with its own number (1, 2, …), so the saved file itself says which of its weights,
constants or checkpoint entries is which original variable — never rnninspect's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FORMS = ("save_keras", "saved_model", "frozen_pb", "frozen_pb_lowered", "meta_graph",
         "checkpoint_only")
_CHECKPOINT_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
_MARK = 1000


class CannotSave(Exception):
    """TensorFlow cannot write this program in this form: the form does not apply."""


@dataclass(frozen=True)
class SaveProgram:
    """A worker request: build a TF1 program (runtime.build_original) and save it."""

    program: dict[str, Any]
    form: str
    folder: str

    def run(self) -> dict[str, Any]:
        from tests.metamorphic import runtime

        return save(self.form, runtime.build_original(self.program), Path(self.folder))


def save(form: str, value: Any, folder: Path) -> dict[str, Any]:
    """Write `value` (a built program) in `form` under `folder`. Returns the facts: `path`
    (what to hand rnninspect), `before` (`[name, trainable]` of every variable),
    `shapes` and `names` (original name -> the name the saved form gives it; a variable
    the form does not keep is absent), or `cannot` (why TensorFlow cannot save it so)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if hasattr(_unwrap(value), "get_collection"):
            return _save_tf1(form, value, folder)
        return _save_tf2(form, value, folder)
    except CannotSave as e:
        return {"cannot": str(e)}


def _unwrap(value: Any) -> Any:
    return value[0] if isinstance(value, tuple) else value


# ---- TF1 graphs --------------------------------------------------------------------------

def _save_tf1(form: str, value: Any, folder: Path) -> dict[str, Any]:
    import tensorflow as tf

    from rnninspect.sources.graph_io import graph_inputs_outputs

    tf1 = tf.compat.v1
    graph = _unwrap(value)
    given = value[1] if isinstance(value, tuple) else []
    if form not in ("saved_model", "frozen_pb", "meta_graph", "checkpoint_only"):
        raise CannotSave(f"{form} is not a form of a TF1 graph (graph_util keeps its loops)")
    inputs, outputs = graph_inputs_outputs(graph, "program")
    outputs = [o.split(":")[0] for o in given] or outputs
    with graph.as_default():
        variables = _tf1_variables(graph)
        trainable = {v.op.name for v in graph.get_collection("trainable_variables")}
        with tf1.Session(graph=graph) as session:
            session.run([tf1.global_variables_initializer(), tf1.local_variables_initializer()])
            for number, v in enumerate(variables, 1):
                if _numeric(v.dtype):
                    v.load(np.full(v.shape.as_list(), _mark(number),
                                   v.dtype.as_numpy_dtype), session)
            facts: dict[str, Any] = {
                "before": [[v.op.name, v.op.name in trainable] for v in variables],
                "shapes": {v.op.name: v.shape.as_list() for v in variables}}
            numbers = {number: v.op.name for number, v in enumerate(variables, 1)}
            facts["numbers"] = {name: number for number, name in numbers.items()}
            if form == "frozen_pb":
                frozen = tf1.graph_util.convert_variables_to_constants(
                    session, graph.as_graph_def(), outputs)
                path = _write_graph_def(frozen, folder)
                found = _graph_def_constants(frozen)
            elif form == "saved_model":
                path = folder / "saved_model"
                builder = tf1.saved_model.Builder(str(path))
                signature = tf1.saved_model.predict_signature_def(
                    {n: graph.get_tensor_by_name(f"{n}:0") for n in inputs},
                    {n: graph.get_tensor_by_name(f"{n}:0") for n in outputs})
                builder.add_meta_graph_and_variables(
                    session, [tf1.saved_model.SERVING],
                    signature_def_map={"serving_default": signature})
                builder.save()
                found = _checkpoint_values(str(path / "variables" / "variables"))
            else:
                prefix = str(folder / "model.ckpt")
                tf1.train.Saver().save(session, prefix)
                found = _checkpoint_values(prefix)
                path = Path(f"{prefix}.meta")
                if form == "checkpoint_only":
                    path.unlink()
                    path = Path(prefix)
    facts["path"] = str(path)
    facts["names"] = {numbers[n]: name for name, n in found.items() if n in numbers}
    facts["forward_only"] = form in ("frozen_pb", "saved_model")  # the outputs' ops only
    return facts


def _tf1_variables(graph: Any) -> list[Any]:
    seen: dict[str, Any] = {}
    for key in ("variables", "local_variables"):
        for v in graph.get_collection(key):
            seen.setdefault(v.op.name, v)
    return list(seen.values())


# ---- Keras models and TF2 functions ------------------------------------------------------

def _save_tf2(form: str, value: Any, folder: Path) -> dict[str, Any]:
    import tensorflow as tf

    obj = _unwrap(value)
    keras_model = hasattr(obj, "weights") and hasattr(obj, "save")
    variables = list(obj.weights) if keras_model else list(obj.variables)
    name = _keras_name if keras_model else _tf_name
    numbers = {number: name(v) for number, v in enumerate(variables, 1)}
    for number, v in enumerate(variables, 1):
        if _numeric(tf.as_dtype(v.dtype)):
            v.assign(np.full(tuple(v.shape), _mark(number), tf.as_dtype(v.dtype).as_numpy_dtype))
    facts: dict[str, Any] = {
        "before": [[name(v), bool(v.trainable)] for v in variables],
        "shapes": {name(v): [int(d) for d in v.shape] for v in variables},
        "numbers": {name: number for number, name in numbers.items()}}
    if form == "save_keras":
        if not keras_model:
            raise CannotSave("only a Keras model saves as .keras")
        path = folder / "model.keras"
        try:
            obj.save(path)
        except NotImplementedError as e:  # a subclassed model without get_config
            raise CannotSave(f"model.save: {_first(e)}") from e
        found = _keras_file_values(path)
    elif form == "saved_model":
        path = folder / "saved_model"
        module = tf.Module()
        module.variables_kept = [_tf_variable(v) for v in variables]
        concrete = _concrete(value)
        module.serve = concrete
        try:
            tf.saved_model.save(module, str(path), signatures=concrete)
        except Exception as e:  # e.g. a function whose arguments are not tensors
            raise CannotSave(f"tf.saved_model.save: {_first(e)}") from e
        found = {}  # named by their capture nodes (matrix.py, saved_model_numbers)
    elif form in ("frozen_pb", "frozen_pb_lowered"):
        from tensorflow.python.framework import convert_to_constants

        try:
            # frozen_pb keeps loops as functional While ops; frozen_pb_lowered is the
            # function's default, TF 1.x control flow (Enter/Merge/Switch/NextIteration/Exit)
            frozen = convert_to_constants.convert_variables_to_constants_v2(
                _concrete(value), lower_control_flow=form == "frozen_pb_lowered"
            ).graph.as_graph_def()
        except Exception as e:  # e.g. a training step that assigns its variables
            raise CannotSave(f"convert_variables_to_constants_v2: {_first(e)}") from e
        path = _write_graph_def(frozen, folder)
        found = _graph_def_constants(frozen)
    elif form == "checkpoint_only":
        if not keras_model:
            raise CannotSave("a ConcreteFunction is no trackable object to checkpoint")
        prefix = tf.train.Checkpoint(model=obj).write(str(folder / "ckpt"))
        found = _checkpoint_values(prefix)
        path = Path(prefix)
    else:
        raise CannotSave(f"{form} is a TF1 form")
    facts["path"] = str(path)
    facts["names"] = {numbers[n]: saved for saved, n in found.items() if n in numbers}
    # a model is saved as its forward call; a function as it is (a training step trains)
    facts["forward_only"] = keras_model and form in ("frozen_pb", "frozen_pb_lowered",
                                                      "saved_model")
    return facts


def _concrete(value: Any) -> Any:
    """The computation rnninspect traces: a ConcreteFunction as it is, a Keras model called
    on its signature (given, else its symbolic inputs)."""
    import tensorflow as tf

    obj = _unwrap(value)
    if not hasattr(obj, "weights"):
        return obj
    signature = list(value[1]) if isinstance(value, tuple) else [
        tf.TensorSpec(tuple(x.shape), x.dtype) for x in obj.inputs]
    if len(signature) == 1:
        return tf.function(lambda x: obj(x, training=False)).get_concrete_function(*signature)
    return tf.function(lambda *xs: obj(list(xs), training=False)).get_concrete_function(
        *signature)


def _keras_name(v: Any) -> str:
    return str(v.path)


def _tf_name(v: Any) -> str:
    from rnninspect.tf.varnames import display_name, keras_paths

    return display_name(v, keras_paths([v]))


def _tf_variable(v: Any) -> Any:
    return getattr(v, "value", v) if not hasattr(v, "handle") else v


# ---- which saved entry holds which number ------------------------------------------------

def _numeric(dtype: Any) -> bool:
    return bool(dtype.is_floating or dtype.is_integer)


def _mark(number: int) -> int:
    """What variable `number` is filled with: far from any constant a program holds (a
    slice's strides, a shape, a 1.0)."""
    return _MARK + number


def _number(values: Any) -> int | None:
    """The number a marked variable was filled with (every element equal), else None."""
    flat = np.asarray(values).ravel()
    if flat.size == 0 or flat.dtype.kind not in "fiu" or not np.all(flat == flat[0]):
        return None
    number = float(flat[0]) - _MARK
    return int(number) if number.is_integer() and number >= 1 else None


def _checkpoint_values(prefix: str) -> dict[str, int]:
    import tensorflow as tf

    reader = tf.train.load_checkpoint(prefix)
    found = {}
    for key in reader.get_variable_to_shape_map():
        number = _number(reader.get_tensor(key))
        if number is not None:
            found[key.removesuffix(_CHECKPOINT_SUFFIX)] = number
    return found


def _graph_def_constants(graph_def: Any) -> dict[str, int]:
    import tensorflow as tf

    found = {}
    for node in graph_def.node:
        if node.op == "Const" and "value" in node.attr:
            number = _number(tf.make_ndarray(node.attr["value"].tensor))
            if number is not None and node.attr["value"].tensor.tensor_shape.dim:
                found[node.name] = number
    return found


def saved_model_numbers(path: str) -> dict[str, int]:
    """Capture node in the serving signature's graph -> the number its variable holds: the
    node is how rnninspect's variable table names a SavedModel's variable (two variables
    may share a name there)."""
    import tensorflow as tf

    loaded = tf.saved_model.load(path)  # kept alive while its variables are read
    signature = loaded.signatures["serving_default"]
    by_handle = {id(v.handle): v for v in signature.variables}
    found = {}
    for external, internal in signature.graph.captures:
        v = by_handle.get(id(external))
        number = None if v is None else _number(v.numpy())
        if number is not None:
            found[internal.op.name] = number
    return found


def _keras_file_values(path: Path) -> dict[str, int]:
    import keras

    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as e:  # an unregistered custom class: no tool loads the file without
        # the program's code (rnninspect refuses it in one line naming the fix)
        raise CannotSave(f"the .keras file needs the program's classes: {_first(e)}") from e
    found = {}
    for v in model.weights:
        number = _number(np.asarray(v))
        if number is not None:
            found[str(v.path)] = number
    return found


def _write_graph_def(graph_def: Any, folder: Path) -> Path:
    path = folder / "frozen.pb"
    path.write_bytes(graph_def.SerializeToString())
    return path


def _first(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0] if lines else ''}"[:200]
