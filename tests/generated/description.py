"""What a generated program is: a `Description`, and the seeded enumerator `programs(seed, n)`.

A description names every choice the writer makes (dialect, cell, layers, loop form, wrapper,
input, head, copies, training extras, sizes); its `key` is a stable one-line name, used by the
runner's report and by the strict-xfail list of tests/test_generated.py. The enumerator walks
the families round-robin and draws the other choices from what that family's writer supports,
so `programs(seed, n)` is the same list for the same arguments on every machine.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Description:
    # "tf1" (tf.compat.v1 graph code), "keras" (Keras 3 functional model) or "tf2" (TF2-native
    # hand-written cells: tests/generated/tf2_writer.py)
    dialect: str
    loop: str  # the loop form; with the dialect it names the family
    cell: str
    layers: int
    # "separate" layers, one "multi" cell (MultiRNNCell...); tf2: "tied" (one cell run as every
    # layer), "per_step" (a new cell made for every step)
    stack: str = "separate"
    wrapper: str = "none"  # "none", "dropout", "residual", "bidi", "recurrent_dropout"
    inputs: str = "raw"  # "raw" features, "embedding", "dense_tanh", "linear" (redundant)
    # "last" output, "every" step, "state" (final state); tf2 also "step" (the head applied
    # inside the loop at each step) and "none"
    head: str = "last"
    # "one", "train_eval" (shared variables), "twin" (two towers); tf2: how rnninspect is
    # handed the program: "signature" ((module or model, [TensorSpec])), "concrete"
    # (a ConcreteFunction), "functional" (a built Keras model)
    copies: str = "one"
    training: str = "none"  # TF1 optimizer ("sgd", "adam", ...) or "none"
    # "clip", "summary", "global_step", "lr_var", "seqlen"; tf2: "keras_ops"; the cell variants
    # of tests/generated/tf1_variants.py ("ln", "peephole", "coupled", "cell_clip", ...)
    extras: tuple[str, ...] = ()
    # hand cells: "variable", "get_variable", "get_variable_reuse"; tf2, the weights' layout:
    # "fused" ([in + H, k·H] on concat), "split" (the same kernel read as row slices, x @ W[:-H]
    # + h @ W[-H:]), "wu" (W and U), "gates" (W, U, b per gate)
    variables: str = "library"
    # fed-back decoders: how the prediction is made ("dense", "matmul"; fed back through the
    # embedding of its argmax: "dense_embed", "matmul_embed"; tf1/raw_rnn: "matmul" is the
    # embedding of the argmax of `h @ W + b`, "project" that projection itself) and when the
    # true value is fed instead ("none", "cond": a tf.cond on a placeholder, "alternate": odd
    # steps)
    feedback: str = "none"
    teacher: str = "none"
    steps: int = 3
    hidden: int = 4

    @property
    def family(self) -> str:
        return f"{self.dialect}/{self.loop}"

    @property
    def key(self) -> str:
        parts = [self.family, self.cell, f"L{self.layers}"]
        parts += [v for v in (self.stack, self.wrapper, self.inputs) if v not in (
            "separate", "none", "raw")]
        parts.append(f"head={self.head}")
        if self.copies != "one":
            parts.append(self.copies)
        if self.training != "none":
            parts.append(self.training)
        parts += list(self.extras)
        if self.variables != "library":
            parts.append(self.variables)
        if self.feedback != "none":
            parts.append(f"fb={self.feedback}")
        if self.teacher != "none":
            parts.append(f"teacher={self.teacher}")
        parts.append(f"T{self.steps}H{self.hidden}")
        return "/".join(parts)


TF1_LIBRARY = ("basic_lstm", "lstm", "lstm_peephole", "lstm_proj", "gru", "basic_rnn")
HAND = ("hand_rnn", "hand_rnn_fused", "hand_lstm_fused", "hand_lstm_gates", "hand_gru_gates")
TF1_OPTIMIZERS = ("none", "sgd", "momentum", "adam", "adagrad", "rmsprop")
KERAS_CELLS = ("lstm", "gru", "simple_rnn")
# keras/custom_cell: each recurrence form and the weight layouts it is written in
CUSTOM_CELL_LAYOUTS = {"rnn": ("fused", "wu", "dense"), "indrnn": ("wu",), "conv": ("wu",),
                       "mrnn": ("wu",), "leaky": ("wu",), "gru": ("fused", "wu", "gates", "dense"),
                       "lstm": ("fused", "wu", "gates", "dense")}


def _steps(r: random.Random, layers: int) -> int:
    """T: 2 to 5, at most 3 for deep stacks (an unrolled graph grows as T x layers)."""
    return r.randint(2, 5 if layers <= 2 else 3)


def _tf1_common(r: random.Random, *, hand: bool, trainable_copies: bool) -> dict[str, Any]:
    training = r.choice(TF1_OPTIMIZERS)
    extras: list[str] = []
    if training != "none":
        extras += [e for e in ("clip", "global_step", "lr_var") if r.random() < 0.3]
    if r.random() < 0.15:
        extras.append("summary")
    # Train + Valid copies only with an optimizer: then the training copy is the primary one
    copies = "train_eval" if trainable_copies and training != "none" and r.random() < 0.3 \
        else "one"
    return {
        "inputs": r.choice(("raw", "embedding", "dense_tanh", "linear")),
        "training": training, "extras": tuple(extras), "copies": copies,
        "hidden": r.choice((3, 4, 5, 6, 8)), "cell": r.choice(HAND if hand else TF1_LIBRARY),
    }


def _tf1_library(loop: str) -> Callable[[random.Random], Description]:
    def draw(r: random.Random) -> Description:
        common = _tf1_common(r, hand=False, trainable_copies=True)
        bidi = loop in ("static_rnn", "dynamic_rnn") and r.random() < 0.2
        layers = r.choice((1, 2) if bidi else (1, 1, 2, 2, 3, 4))
        wrappers = ["none", "dropout"] + (["residual"] if layers > 1 else [])
        wrapper = "bidi" if bidi else r.choice(wrappers)
        extras: tuple[str, ...] = common.pop("extras")
        if loop != "python_loop" and r.random() < 0.3:
            extras += ("seqlen",)
        head = r.choice(("every", "state") if bidi else ("last", "every", "state"))
        stack = "separate" if bidi or layers == 1 else r.choice(("separate", "multi"))
        common["steps"] = _steps(r, layers)
        return Description("tf1", loop, layers=layers, stack=stack, wrapper=wrapper,
                           head=head, extras=extras, **common)
    return draw


def _tf1_hand(loop: str) -> Callable[[random.Random], Description]:
    def draw(r: random.Random) -> Description:
        apis = ["variable", "get_variable"] + (
            ["get_variable_reuse"] if loop == "hand_loop" else [])
        api = r.choice(apis)
        common = _tf1_common(r, hand=True, trainable_copies=api != "variable")
        layers = r.choice((1, 1, 2, 3))
        return Description("tf1", loop, layers=layers, head=r.choice(("last", "every", "state")),
                           variables=api, steps=_steps(r, layers), **common)
    return draw


def _keras(loop: str) -> Callable[[random.Random], Description]:
    def draw(r: random.Random) -> Description:
        layers = r.choice((2, 3)) if loop == "stacked_cells" else r.choice((1, 1, 2, 3))
        wrappers = ["none", "dropout", "recurrent_dropout"]
        if loop != "stacked_cells":
            wrappers.append("bidi")
        wrapper = r.choice(wrappers)
        copies = "twin" if loop == "layer" and wrapper == "none" and r.random() < 0.2 else "one"
        return Description(
            "keras", loop, cell=r.choice(KERAS_CELLS), layers=layers, wrapper=wrapper,
            stack="multi" if loop == "stacked_cells" else "separate",
            inputs=r.choice(("raw", "embedding", "dense_tanh", "linear")),
            head="last" if copies == "twin" else r.choice(("last", "every")), copies=copies,
            steps=_steps(r, layers), hidden=r.choice((3, 4, 5, 6, 8)))
    return draw


def _tf1_feedback(loop: str) -> Callable[[random.Random], Description]:
    """A decoder fed its own predictions (tests/generated/tf1_feedback.py)."""
    def draw(r: random.Random) -> Description:
        hand = r.random() < 0.35
        layers = r.choice((1, 1, 2))
        teachers = ("none", "none", "cond") + (("alternate",) if loop == "feedback_loop" else ())
        encoders = ("encoder_static",) + (() if hand else ("encoder_dynamic",))
        training = r.choice(("none", "none", "sgd", "adam"))
        cell = r.choice(HAND if hand else TF1_LIBRARY)
        stack = "separate" if hand else r.choice(("separate", "multi"))
        inputs, head = r.choice(("raw", "raw", *encoders)), r.choice(("every", "last"))
        variables = r.choice(("variable", "get_variable")) if hand else "library"
        feedback, teacher = r.choice(("dense", "matmul")), r.choice(teachers)
        steps, hidden = r.randint(2, 5), r.choice((3, 4, 5, 6, 8))
        # drawn last, so the programs drawn before these choices existed stay the same: a
        # stack of three, and the prediction fed back through the embedding of its argmax
        if layers == 2 and r.random() < 0.4:
            layers = 3
        if r.random() < 0.35:
            feedback += "_embed"
        return Description(
            "tf1", loop, cell=cell, layers=layers, stack=stack, inputs=inputs, head=head,
            training=training, variables=variables, feedback=feedback, teacher=teacher,
            steps=steps, hidden=hidden)
    return draw


def _keras_feedback(r: random.Random) -> Description:
    """A Keras cell called per step on its own predictions (tests/generated/keras_feedback.py)."""
    cell, inputs = r.choice(KERAS_CELLS), r.choice(("raw", "warmup"))
    steps, hidden = r.randint(2, 5), r.choice((3, 4, 5, 6, 8))
    # drawn last, so the programs drawn before these choices existed stay the same: a stack
    # of cells stepped together (no warm-up), the prediction fed back through the embedding
    # of its argmax
    layers = r.choice((2, 3)) if inputs == "raw" and r.random() < 0.4 else 1
    feedback = "dense_embed" if r.random() < 0.35 else "dense"
    return Description("keras", "feedback", cell=cell, layers=layers, inputs=inputs,
                       head="every", feedback=feedback, steps=steps, hidden=hidden)


def _tf2(loop: str) -> Callable[[random.Random], Description]:
    """A TF2-native hand-written RNN (tests/generated/tf2_writer.py)."""
    def draw(r: random.Random) -> Description:
        cell = r.choice(("rnn", "gru", "lstm"))
        layout = r.choice(("fused", "wu") + (("gates",) if cell != "rnn" else ()))
        layers = r.choice((1, 1, 2))
        stacks = ["separate", "separate", "separate"]
        if layers == 2:
            stacks.append("tied")
        if loop == "module_loop":
            stacks.append("per_step")
        stack = r.choice(stacks)
        keras_layer = loop == "keras_layer_loop"
        inputs = r.choice(("embedding", "dense_tanh", "linear") if stack == "tied"
                          else ("raw", "raw", "embedding", "dense_tanh", "linear"))
        heads = ("last", "every", "none") if keras_layer else ("last", "every", "step", "none")
        loaders = ("functional", "signature") if keras_layer else ("signature", "concrete")
        extras = ("keras_ops",) if keras_layer and r.random() < 0.5 else ()
        d = Description("tf2", loop, cell=cell, layers=layers, stack=stack, inputs=inputs,
                        head=r.choice(heads), copies=r.choice(loaders), extras=extras,
                        variables=layout, steps=r.randint(2, 5),
                        hidden=r.choice((3, 4, 5, 6, 8)))
        # drawn last, so the programs drawn before these choices existed stay the same: a
        # tied cell run as 3 layers; a fused kernel read as two row slices (x @ W[:-H] +
        # h @ W[-H:]) instead of on a concat
        if stack == "tied" and r.random() < 0.5:
            d = replace(d, layers=3)
        if layout == "fused" and r.random() < 1 / 3:
            d = replace(d, variables="split")
        return d
    return draw


def _tf1_variants(loop: str) -> Callable[[random.Random], Description]:
    """A hand-written LSTM cell variant (tests/generated/tf1_variants.py)."""
    def draw(r: random.Random) -> Description:
        # one to three variants; proj_clip only with proj, highway and residual not together
        variants = set(r.sample(("ln", "peephole", "coupled", "cell_clip", "proj", "highway",
                                 "residual"), r.randint(1, 3)))
        if "proj" in variants and r.random() < 0.5:
            variants.add("proj_clip")
        if {"highway", "residual"} <= variants:
            variants.discard(r.choice(("highway", "residual")))
        order = ("ln", "peephole", "coupled", "cell_clip", "proj", "proj_clip", "highway",
                 "residual")
        layers = r.choice((1, 1, 2))
        fed_back = loop == "raw_rnn" and r.random() < 0.5
        stack = ("multi" if layers > 1 and (loop == "raw_rnn" or r.random() < 0.5)
                 else "separate")
        head = "every" if fed_back else r.choice(("last", "every"))
        training = r.choice(("none", "sgd", "adam"))
        steps, hidden = r.randint(2, 4), r.choice((3, 4, 5, 6))
        # drawn last, so the programs drawn before these choices existed stay the same: a
        # raw_rnn stack of three, and a decoder fed its projection itself (no embedding)
        if loop == "raw_rnn" and layers == 2 and r.random() < 0.4:
            layers = 3
        feedback = "none"
        if fed_back:  # (an output that carries its input, the projection of a residual
            # or highway cell fed back is a recurrence of its own: no taxonomy decides it)
            project = r.random() < 0.35 and not {"highway", "residual"} & variants
            feedback = "project" if project else "matmul"
        return Description(
            "tf1", loop, cell="hand_lstm_variant", layers=layers, stack=stack,
            inputs="embedding" if feedback == "matmul" else "raw", head=head,
            training=training, extras=tuple(v for v in order if v in variants),
            feedback=feedback, steps=steps, hidden=hidden)
    return draw


FAMILIES: dict[str, Callable[[random.Random], Description]] = {
    "tf1/python_loop": _tf1_library("python_loop"),
    "tf1/static_rnn": _tf1_library("static_rnn"),
    "tf1/dynamic_rnn": _tf1_library("dynamic_rnn"),
    "tf1/hand_loop": _tf1_hand("hand_loop"),
    "tf1/while_loop": _tf1_hand("while_loop"),
    "tf1/scan": _tf1_hand("scan"),
    "keras/layer": _keras("layer"),
    "keras/unroll": _keras("unroll"),
    "keras/rnn_cell": _keras("rnn_cell"),
    "keras/stacked_cells": _keras("stacked_cells"),
    "tf1/feedback_loop": _tf1_feedback("feedback_loop"),
    "tf1/feedback_while": _tf1_feedback("feedback_while"),
    "keras/feedback": _keras_feedback,
    "tf2/module_loop": _tf2("module_loop"),
    "tf2/autograph_loop": _tf2("autograph_loop"),
    "tf2/keras_layer_loop": _tf2("keras_layer_loop"),
    "tf2/scan": _tf2("scan"),
    "tf1/variants_static": _tf1_variants("variants_static"),
    "tf1/variants_dynamic": _tf1_variants("variants_dynamic"),
    "tf1/raw_rnn": _tf1_variants("raw_rnn"),
}


def _keras_custom_cell(r: random.Random) -> Description:
    """A user-written Keras cell in `keras.layers.RNN` (tests/generated/keras_cell_writer.py)."""
    cell = r.choice(("rnn", "indrnn", "conv", "mrnn", "leaky", "gru", "gru", "lstm", "lstm"))
    layout = r.choice(CUSTOM_CELL_LAYOUTS[cell])
    layers = r.choice((1, 1, 2, 3))
    stack = "multi" if layers > 1 and r.random() < 0.3 else "separate"
    # peepholes on an LSTM whose gates are one kernel's blocks; a layer norm on a one-block
    # cell's pre-activation
    lstm_blocks = cell == "lstm" and layout != "gates"
    one_block = cell in ("rnn", "indrnn", "conv", "mrnn")
    extras = [e for e, p in (("peephole", 0.4 if lstm_blocks else 0),
                             ("ln", 0.4 if one_block else 0),
                             ("proj_state", 0.4 if cell == "lstm" else 0), ("proj_out", 0.25),
                             ("unroll", 0.25), ("nohead", 0.25)) if r.random() < p]
    return Description(
        "keras", "custom_cell", cell=cell, layers=layers, stack=stack,
        wrapper="bidi" if stack == "separate" and r.random() < 0.25 else "none",
        inputs=r.choice(("raw", "raw", "embedding", "dense_tanh", "linear")),
        head=r.choice(("last", "every")), extras=tuple(extras),
        variables=layout, steps=_steps(r, layers),
        hidden=r.choice((3, 4, 5, 6, 8)))


def _keras_conv_fused(r: random.Random) -> Description:
    """ConvLSTM1D/2D stacks (tests/generated/conv_fused_writer.py)."""
    return Description(
        "keras", "conv_fused", cell=r.choice(("convlstm1d", "convlstm2d")),
        layers=r.choice((1, 1, 2, 3)), wrapper="bidi" if r.random() < 0.25 else "none",
        inputs=r.choice(("raw", "raw", "dense_tanh")),
        head=r.choice(("flatten", "pool", "conv", "every", "none")),
        extras=("unroll",) if r.random() < 0.25 else (), steps=r.randint(2, 4),
        hidden=r.choice((2, 3, 4)))


def _tf1_cudnn_keras(r: random.Random) -> Description:
    """tf_keras CuDNNLSTM/CuDNNGRU stacks in a TF1 graph (tests/generated/conv_fused_writer.py)."""
    return Description(
        "tf1", "cudnn_keras", cell=r.choice(("cudnn_lstm", "cudnn_gru")),
        layers=r.choice((1, 1, 2, 3)), wrapper="bidi" if r.random() < 0.3 else "none",
        inputs=r.choice(("raw", "embedding")), head=r.choice(("last", "every")),
        training=r.choice(("none", "sgd", "adam")), steps=r.randint(2, 5),
        hidden=r.choice((3, 4, 5, 6, 8)))


# Families written after seed 0's first 1000 programs were fixed (KNOWN_WRONG.txt, the
# strict xfails): run by `--family` and by their own selection in tests/test_generated.py,
# outside the round-robin of `programs(seed, n)`, so adding one redraws no other program.
LATER_FAMILIES: dict[str, Callable[[random.Random], Description]] = {
    "keras/custom_cell": _keras_custom_cell,
    "keras/conv_fused": _keras_conv_fused,
    "tf1/cudnn_keras": _tf1_cudnn_keras,
}
ALL_FAMILIES = {**FAMILIES, **LATER_FAMILIES}


def programs(seed: int, n: int, family: str | None = None) -> list[Description]:
    """`n` descriptions, the same for the same arguments: family i % len(FAMILIES) in turn
    (or only `family`, which may be one of LATER_FAMILIES), each drawn from its own
    `random.Random((seed, i))` stream."""
    names = [family] if family else list(FAMILIES)
    unknown = [f for f in names if f not in ALL_FAMILIES]
    if unknown:
        raise ValueError(f"unknown family {unknown[0]!r}; known: {', '.join(ALL_FAMILIES)}")
    out = []
    for i in range(n):
        name = names[i % len(names)]
        out.append(ALL_FAMILIES[name](random.Random(f"{seed}:{i}:{name}")))
    return out
