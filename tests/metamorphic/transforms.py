"""The library of transformations: each has a name, the programs it applies to, how it is
made (ops added to a built TF1 graph, a source edit, or a changed Keras model) and the delta
it declares.

A transformation's declared delta says which changes to the variables it may make; the
variant's build measures the actual ones (tests/metamorphic/runtime.py), and the comparison
expects exactly those: variables it adds have the role `training_state` (optimizer slots,
counters, learning rates, moving averages) or `carried_state` (a stateful layer's state),
variables it removes are gone, renamed variables keep everything but their names, unrolled
layers' weights are read at steps 0..T-1 instead of in a loop body, an added fed-back output
layer's weights are hidden_to_output in no cell. Everything else must stay as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.metamorphic import edits
from tests.metamorphic.graph_ops import OPS, TRAINING
from tests.metamorphic.programs import Program


@dataclass(frozen=True)
class Delta:
    adds_state: bool = False  # may add non-trainable variables (role training_state)
    removes_state: bool = False  # may remove non-trainable variables
    renames: bool = False  # variables keep their order and kind, not their names
    unrolls: bool = False  # a loop's weights become read at steps 0..T-1
    # adds an output layer whose prediction is the next step's input: its weights are
    # hidden_to_output (a bias: bias) in no cell, read outside the steps
    feeds_back: bool = False
    # adds a stateful layer's state variables (counted, not named): role carried_state
    carries_state: bool = False
    # saved in a form and loaded back (tests/metamorphic/forms.py): keeps the variables the
    # saved file holds, under its names, and loses what the form does not store (LOSSES)
    form: str = ""

    def words(self) -> str:
        said = [w for w, on in (("adds training_state variables", self.adds_state),
                                ("removes training_state variables", self.removes_state),
                                ("renames variables", self.renames),
                                ("dynamic steps become 0..T-1", self.unrolls),
                                ("adds a fed-back output layer", self.feeds_back),
                                ("adds carried-state variables", self.carries_state),
                                (LOSSES.get(self.form, ""), bool(self.form))) if on]
        return ", ".join(said) or "none"


# what each saved form provably loses (its declared delta); every form also renames
LOSSES = {
    "save_keras": "saved as .keras: renames variables (the layers' name scope)",
    "saved_model": "a SavedModel's serving signature: renames variables; a TF1 graph's "
                   "signature holds its forward outputs only (no training ops)",
    "frozen_pb": "frozen: weights are constants (renamed), no optimizer, no training ops, "
                 "what the outputs do not read is gone; a constant only multiplied or added "
                 "elementwise is named unresolved, not counted",
    "frozen_pb_lowered": "frozen with its loops lowered to TF 1.x control flow: as frozen_pb",
    "meta_graph": "none (the whole graph and its checkpoint)",
    "checkpoint_only": "no graph: names and shapes only, roles guessed (or other), no cells, "
                       "steps or sharing, one no_graph finding",
}

NONE = Delta()
STATE = Delta(adds_state=True)
CLONE = Delta(renames=True)


@dataclass(frozen=True)
class Transformation:
    name: str
    mechanism: str  # "graph" (ops added to a built tf.Graph) | "edit" | "keras" | "save"
    applies: Callable[[Program], bool]
    delta: Delta = NONE
    edit: edits.Edit | None = None  # for mechanism "edit"
    ops: tuple[str, ...] = ()  # graph_ops / keras_ops names


def _tf1(p: Program) -> bool:
    return p.kind == "tf1"


def _one_loss(p: Program) -> bool:
    """A training transformation trains the program's loss: one loss, and no copy that did
    not train before starts training (forward copies stay forward)."""
    return p.kind == "tf1" and (p.trains or p.instances == 1)


def _graph(name: str, delta: Delta = NONE) -> Transformation:
    applies = _one_loss if name in TRAINING else _tf1
    if name == "check_numerics_all":  # TF refuses add_check_numerics_ops with control flow
        def applies(p: Program) -> bool:
            return p.kind == "tf1" and not p.control_flow
    return Transformation(name, "graph", applies, delta, ops=(name,))


def _edit(name: str, edit: edits.Edit, delta: Delta = NONE) -> Transformation:
    return Transformation(name, "edit", _tf1, delta, edit=edit)


def _form(name: str, kinds: tuple[str, ...]) -> Transformation:
    return Transformation(name, "save", lambda p: p.kind in kinds, Delta(form=name), ops=(name,))


def _keras(name: str, kinds: tuple[str, ...], delta: Delta = NONE) -> Transformation:
    return Transformation(name, "keras", lambda p: p.kind in kinds, delta, ops=(name,))


_STATE_OPS = {"apply_gradients_adam", "ema_weights", "step_counter", "lr_variable",
              "lr_schedule"}
_MODELS = ("keras_model",)
_OBJECTS = ("keras_model", "keras_object")
_KERAS = ("keras_model", "keras_object", "keras_function")

TRANSFORMATIONS: tuple[Transformation, ...] = (
    # the front door itself (a tf_keras model: the corpus test is its front door)
    Transformation("unchanged", "graph", lambda p: p.kind != "tf_keras_model"),
    *(_graph(name, STATE if name in _STATE_OPS else NONE) for name in OPS),
    *(_edit(f"optimizer_{o.removesuffix('Optimizer')}", edits.calls(edits.optimizer(o)),
            Delta(adds_state=True, removes_state=True)) for o in edits.OPTIMIZERS),
    _edit("minimize_as_apply_gradients", edits.calls(edits.minimize_as_apply_gradients)),
    _edit("minimize_with_global_step", edits.calls(edits.minimize_with_global_step), STATE),
    _edit("identity_reads", edits.calls(edits.identity_reads)),
    _edit("cast_reads", edits.calls(edits.cast_reads)),
    _edit("embedding_as_gather", edits.calls(edits.embedding_as_gather)),
    _edit("dropout_on", edits.calls(edits.dropout_on)),
    _edit("dropout_off", edits.calls(edits.dropout_off)),
    _edit("outer_variable_scope", edits.outer_scope("variable_scope"), Delta(renames=True)),
    _edit("outer_name_scope", edits.outer_scope("name_scope"), Delta(renames=True)),
    # an autoregressive decoder made of the program: each step reads a dense prediction of
    # the previous output instead of its input (the cell's input rows stay its input rows)
    _edit("feed_back", edits.feed_back, Delta(feeds_back=True, adds_state=True)),
    # TF1 code as run on TF2 with `disable_v2_behavior()`: control flow v1, ref variables
    _edit("v1_behavior", edits.v1_behavior),
    _keras("compile_metrics", _OBJECTS),
    _keras("mixed_precision", _KERAS),
    _keras("keras_name_scope", _OBJECTS, Delta(renames=True)),
    # clone_model names a wrapper's inner weights without the wrapper's prefix
    # (bidi_1/forward_lstm_a/... -> forward_lstm_a/...): clones declare renames
    _keras("recurrent_dropout", _MODELS, CLONE),
    _keras("input_dropout", _MODELS, CLONE),
    _keras("unroll", _MODELS, Delta(renames=True, unrolls=True)),
    _keras("stateful", _MODELS, Delta(renames=True, carries_state=True)),
    _keras("kernel_regularizer", _MODELS, CLONE),
    _keras("all_regularizers", _MODELS, CLONE),
    # the program saved in a user's form and loaded back (forms.py): `applies` says which
    # kinds the form exists for; TensorFlow refusing to save one program makes it n/a
    _form("save_keras", _OBJECTS),
    _form("saved_model", ("tf1", *_KERAS)),
    _form("frozen_pb", ("tf1", *_KERAS)),
    _form("frozen_pb_lowered", _KERAS),  # convert_variables_to_constants_v2's default
    _form("meta_graph", ("tf1",)),
    _form("checkpoint_only", ("tf1", *_OBJECTS)),
)


def by_name(name: str) -> Transformation:
    found = [t for t in TRANSFORMATIONS if t.name == name]
    if not found:
        known = ", ".join(t.name for t in TRANSFORMATIONS)
        raise KeyError(f"no transformation {name!r}; transformations: {known}")
    return found[0]
