"""TF1 MetaGraphs (`.meta`, with the checkpoint beside them) and checkpoints alone.

A checkpoint alone has no graph: the `Inspection` lists every variable with a role guessed
from its name and shape, and says so in a finding.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from rnninspect.errors import ModelSourceError
from rnninspect.graph import Traced
from rnninspect.model import (
    Finding,
    FindingKind,
    Inspection,
    Placement,
    Role,
    RowSplit,
    Severity,
    VariableInfo,
)
from rnninspect.sources.frames import first_line
from rnninspect.tf.imports import import_tensorflow, silenced_native_stderr

NO_GRAPH = ("no graph: roles rest on names and shapes only, steps and sharing cannot be "
            "proven")
_TF2_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
# Bookkeeping, not model weights: step counters, optimizer slots, object-graph metadata.
_SKIP = re.compile(r"(^|/)(global_step|save_counter|_CHECKPOINTABLE_OBJECT_GRAPH|"
                   r"beta[12]_power|iter|learning_rate|decay|beta_[12])$|"
                   r"\.OPTIMIZER_SLOT|/(Adam|Adam_1|Momentum|RMSProp|RMSProp_1|Adagrad)$|"
                   r"(^|/)optimizer/")  # a Keras optimizer's state, wherever it is tracked


def load_checkpoint_dir(path: Path, spec: str) -> Traced | Inspection:
    prefix = latest_checkpoint(path, spec)
    if prefix is None:
        indexes = sorted(path.glob("*.index"), key=lambda p: p.stat().st_mtime)
        if not indexes:
            raise ModelSourceError(
                f"directory {spec!r} has a `checkpoint` file but no checkpoint it names "
                f"exists; point at the checkpoint prefix (model.ckpt-N) instead")
        prefix = str(indexes[-1].with_suffix(""))
    return load_checkpoint_or_meta(prefix, spec)


def latest_checkpoint(folder: Path, spec: str) -> str | None:
    """The prefix a folder's `checkpoint` file lists last (None: none listed, or it names
    none that exists), or one line when that bookkeeping file cannot be read."""
    tf = import_tensorflow()
    try:
        found: str | None = tf.train.latest_checkpoint(str(folder))
    except Exception as e:  # a damaged `checkpoint` text file: not UTF-8, not a text proto
        raise ModelSourceError(
            f"the `checkpoint` file in {spec!r} is damaged ({first_line(e)}); delete it and "
            f"give the checkpoint prefix (model.ckpt-N) instead") from e
    return found


def load_checkpoint_or_meta(prefix: str, spec: str) -> Traced | Inspection:
    """A graph beats names: use `prefix.meta` when the checkpoint has one."""
    meta = Path(f"{prefix}.meta")
    if meta.exists():
        return load_meta_graph(meta, spec)
    return inspect_checkpoint(prefix, spec)


def load_meta_graph(path: Path, spec: str) -> Traced:
    from rnninspect.sources.graph_io import graph_inputs_outputs
    from rnninspect.tf.trace import trace_graph

    tf1 = import_tensorflow().compat.v1
    graph, saver = import_meta_file(path, spec)
    prefix = str(path)[: -len(".meta")]
    if saver is not None and Path(f"{prefix}.index").exists():
        with tf1.Session(graph=graph) as session:
            restore_checkpoint(graph, session, saver, prefix, spec)
    inputs, outputs = graph_inputs_outputs(graph, spec)
    return trace_graph(graph, inputs, outputs, model=spec, dialect="legacy")


def import_meta_file(path: Path, spec: str) -> tuple[Any, Any]:
    """(a tf.Graph, its Saver or None) from a .meta file, or one line saying why not. Every
    loader of a .meta (show, grads, probe) comes through here."""
    tf = import_tensorflow()
    from google.protobuf import message

    from rnninspect.sources.function_library import refuse_recursive_functions

    tf1 = tf.compat.v1
    meta_graph_def = tf1.MetaGraphDef()
    try:
        meta_graph_def.ParseFromString(path.read_bytes())
        if not meta_graph_def.graph_def.node:
            raise ValueError("it holds no graph")
    except (message.DecodeError, ValueError) as e:
        raise ModelSourceError(
            f"{spec!r} is not a readable TF1 MetaGraph (truncated or another format: {e}); "
            f"write it with tf.compat.v1.train.Saver().save(session, prefix)") from None
    refuse_recursive_functions(meta_graph_def.graph_def, spec)
    graph = tf.Graph()
    try:
        with graph.as_default(), silenced_native_stderr():
            saver = tf1.train.import_meta_graph(meta_graph_def, clear_devices=True)
    except Exception as e:
        raise ModelSourceError(
            f"{spec!r} parses as a MetaGraph but TensorFlow cannot import it: "
            f"{first_line(e)}") from e
    return graph, saver


def restore_checkpoint(graph: Any, session: Any, saver: Any, prefix: str, spec: str) -> None:
    """`saver.restore(session, prefix)`, or one line: the checkpoint is damaged or does not
    match the graph of `spec`. Every restore of a graph's own checkpoint comes through here."""
    try:
        with graph.as_default(), silenced_native_stderr():
            saver.restore(session, prefix)
    except Exception as e:
        raise ModelSourceError(
            f"the checkpoint beside {spec!r} ({prefix}) does not match its graph or is "
            f"damaged: {first_line(e)}") from e


def inspect_checkpoint(prefix: str, spec: str) -> Inspection:
    tf = import_tensorflow()
    try:
        listed = tf.train.list_variables(prefix)
    except Exception as e:
        raise ModelSourceError(
            f"{spec!r} is not a readable TensorFlow checkpoint ({first_line(e)})") from e
    dtypes = _dtypes(tf, prefix)
    return inspect_names_and_shapes(
        [(raw.removesuffix(_TF2_SUFFIX), tuple(int(d) for d in shape),
          dtypes.get(raw, "unknown")) for raw, shape in sorted(listed)], spec)


def inspect_names_and_shapes(listed: Sequence[tuple[str, tuple[int, ...], str]], spec: str,
                             layer_of: Mapping[str, int] | None = None) -> Inspection:
    """Weights with no graph (a checkpoint, a weights-only `.h5`): (name, shape, dtype) each,
    roles guessed from names and shapes, and a `no_graph` finding. `layer_of` gives a
    weight's layer position where the names do not say it."""
    kept = [entry for entry in listed if not _SKIP.search(entry[0])]
    names = {name: dims for name, dims, _ in kept}
    variables = []
    for name, dims, dtype in kept:
        params = 1
        for d in dims:
            params *= d
        role, split = guess_role(name, dims, names, layer_of)
        variables.append(VariableInfo(
            name=name, shape=dims, dtype=dtype, params=params,
            trainable=True, role=role, placement=Placement.NONE, cell=None, layer=None,
            steps=(), dynamic=False, shared=False, reads=0, row_split=split))
    total = sum(v.params for v in variables)
    finding = Finding(FindingKind.NO_GRAPH, Severity.WARNING,
                      f"{spec}: {NO_GRAPH}", tuple(v.name for v in variables), 0,
                      "inspect the code (FILE.py:NAME), a SavedModel or the .meta graph "
                      "instead to prove roles, steps and sharing")
    return Inspection(model=spec, dialect="checkpoint", config=(), num_steps=None,
                      total_params=total, logical_params=total, variables=tuple(variables),
                      cells=(), findings=(finding,))


def guess_role(name: str, shape: tuple[int, ...], names: Collection[str] = frozenset(),
               layer_of: Mapping[str, int] | None = None) -> tuple[Role, RowSplit | None]:
    """A role from the name and shape alone (and sibling names, with their shapes when
    `names` maps them, and their layers' positions when `layer_of` maps them); OTHER when
    unsure.

    Keras 3 saves a Dense kernel as `…/_kernel` and an embedding as `…/_embeddings` (the
    attributes behind the properties), tf-keras and Keras cells as `…/kernel`, `…/bias`,
    `…/cell/recurrent_kernel`; a GRU's bias is `[2, 3·units]` (reset_after)."""
    leaf = name.lower().rsplit("/", 1)[-1].lstrip("_")
    lower = name.lower()
    recurrent = _in_recurrent_layer(name, names)
    is_bias = "bias" in leaf or leaf in ("b", "beta")
    if is_bias and (len(shape) == 1 or (len(shape) == 2 and recurrent)):
        return Role.BIAS, None
    if len(shape) != 2:
        return Role.OTHER, None
    if "embedding" in lower and leaf not in _STRUCTURE:  # `…/embedding/dense/kernel` is a
        return Role.EMBEDDING, None  # dense layer's kernel: a matrix multiplied, not gathered
    if leaf == "recurrent_kernel":
        return Role.HIDDEN_TO_HIDDEN, None
    if leaf == "kernel" and recurrent:
        return Role.INPUT_TO_HIDDEN, None  # Keras cells keep the two halves apart
    gates = _gate_count(lower.rsplit("/", 1)[0])
    if gates is not None and leaf in ("kernel", "weights", "w"):
        rows, cols = shape
        hidden = cols // gates if cols % gates == 0 else 0
        if 0 < hidden < rows:  # [input + hidden, gates * hidden]
            split = RowSplit((0, rows - hidden), (rows - hidden, rows))
            return Role.INPUT_HIDDEN_FUSED, split
    if re.search(r"softmax|logits|output|(^|/)out(/|$)|head", lower):
        return Role.HIDDEN_TO_OUTPUT, None
    if leaf == "kernel" and _reads_last_recurrent_layer(name, shape, names, layer_of):
        return Role.HIDDEN_TO_OUTPUT, None
    return Role.OTHER, None


# A layer's position in a saved functional/sequential model: Keras 3 `_operations/3`,
# `_layers/3`; tf-keras `layer_with_weights-3`, `layer-3`.
_POSITION = re.compile(r"(?:^|/)(?:_operations/|_layers/|layer_with_weights-|layer-)(\d+)/")


def _in_recurrent_layer(name: str, names: Collection[str]) -> bool:
    return f"{name.rsplit('/', 1)[0]}/recurrent_kernel" in names


def _reads_last_recurrent_layer(name: str, shape: tuple[int, ...], names: Collection[str],
                                layer_of: Mapping[str, int] | None) -> bool:
    """A plain kernel in the layer right after the last recurrent layer (by position in the
    saved model) whose rows are that layer's units: the output layer of the recurrence."""

    def position(weight: str) -> int | None:
        if layer_of is not None:
            return layer_of.get(weight)
        found = _POSITION.search(weight)
        return None if found is None else int(found[1])

    here = position(name)
    if here is None:
        return False
    recurrent = []  # (position, units) of each recurrent layer
    for other in names:
        at = position(other)
        if at is not None and other.lower().endswith("/recurrent_kernel"):
            recurrent.append((at, _units(other, names)))
    if not recurrent:
        return False
    last, units = max(recurrent, key=lambda r: r[0])
    later = {at for n in names if (at := position(n)) is not None and at > last}
    return here == min(later, default=-1) and shape[0] == units


def _units(recurrent_kernel: str, names: Collection[str]) -> int | None:
    """A recurrent kernel's rows (its layer's units), when the shapes are known."""
    shape = names.get(recurrent_kernel) if isinstance(names, Mapping) else None
    return shape[0] if shape else None


def _gate_count(scope: str) -> int | None:
    """Column blocks of a TF1 fused kernel whose own scope (the kernel's parent) is the cell:
    `…/basic_lstm_cell/kernel`, `…/gru_cell/gates/kernel`; a kernel in a sub-scope of the
    cell (`…/lstm_cell/projection/kernel`) is another matrix."""
    parts = scope.split("/")
    own = parts[-1]
    if own in ("gates", "candidate") and len(parts) > 1 and "gru" in parts[-2]:
        return 2 if own == "gates" else 1
    if "lstm" in own:
        return 4
    if "rnn_cell" in own:
        return 1
    return None


# leaves that say what a tensor does in its layer, whatever the layer's scope is called
_STRUCTURE = frozenset({"kernel", "recurrent_kernel", "bias", "biases", "weights", "w", "b",
                        "gamma", "beta", "depthwise_kernel", "pointwise_kernel"})


def _dtypes(tf: Any, prefix: str) -> dict[str, str]:
    try:
        reader = tf.train.load_checkpoint(prefix)
        return {k: str(v.name) for k, v in reader.get_variable_to_dtype_map().items()}
    except Exception:  # names and shapes are listed already; dtypes are a nicety
        return {}

