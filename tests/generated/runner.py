"""Write, inspect and judge generated programs.

`judge` compares rnninspect's answer with the writer's truth through
`tests.truth.discrepancies` and classifies it: **right** (no discrepancy), **unresolved**
(every discrepancy concerns variables that an `unresolved` finding names: rnninspect said it
could not prove them), **wrong** (anything else, or an exception where `show` should work).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.generated.conv_fused_writer import write_conv_rnn, write_cudnn_keras
from tests.generated.description import Description
from tests.generated.keras_cell_writer import write_keras_cell
from tests.generated.keras_feedback import write_keras_feedback
from tests.generated.keras_writer import write_keras
from tests.generated.tf1_feedback import FEEDBACK_LOOPS, write_feedback
from tests.generated.tf1_variants import VARIANT_LOOPS, write_variants
from tests.generated.tf1_writer import write_tf1
from tests.generated.tf2_writer import write_tf2
from tests.truth import discrepancies

STATUSES = ("right", "unresolved", "wrong")


V1_BEHAVIOR = "import tensorflow as _v1_tf\n_v1_tf.compat.v1.disable_v2_behavior()\n"


def under_v1_behavior(source: str) -> str:
    """The same TF1 program run as TF1 code on TF2 usually is: `disable_v2_behavior()` first
    (control flow v1, ref variables, graph mode). The model, hence the truth, is the same."""
    future = "from __future__ import annotations\n"
    head, found, rest = source.partition(future)
    if not found:
        return V1_BEHAVIOR + source
    return head + future + V1_BEHAVIOR + rest


def write(d: Description, v1_behavior: bool = False) -> tuple[str, dict[str, Any]]:
    """The program's source and its `EXPECTED` truth (also written into the source); with
    `v1_behavior` a TF1 program runs under `disable_v2_behavior()`."""
    writer = (write_conv_rnn if d.loop == "conv_fused"
              else write_cudnn_keras if d.loop == "cudnn_keras"
              else write_feedback if d.loop in FEEDBACK_LOOPS
              else write_variants if d.loop in VARIANT_LOOPS
              else write_tf2 if d.dialect == "tf2"
              else write_tf1 if d.dialect == "tf1"
              else write_keras_feedback if d.loop == "feedback"
              else write_keras_cell if d.loop == "custom_cell" else write_keras)
    source, truth = writer(d)
    if v1_behavior and d.dialect == "tf1":
        source = under_v1_behavior(source)
    expected = truth.expected(d.key)
    return source + f"\n\nEXPECTED = {expected!r}\n", expected


def file_name(index: int, d: Description) -> str:
    return f"g{index:05d}_{d.dialect}_{d.loop}.py"


@dataclass(frozen=True)
class Outcome:
    description: Description
    status: str
    discrepancies: tuple[str, ...]
    seconds: float

    def line(self) -> str:
        first = self.discrepancies[0] if self.discrepancies else ""
        return f"{self.status.upper()} {self.description.key}: {first}"


def judge(truth: dict[str, Any], got: dict[str, Any]) -> tuple[str, list[str]]:
    wrong = discrepancies(truth, got)
    if not wrong:
        return "right", wrong
    unresolved = {v for f in got["findings"] if f["kind"] == "unresolved" for v in f["variables"]}
    if unresolved and all(_concerns(line, unresolved, truth) for line in wrong):
        return "unresolved", wrong
    return "wrong", wrong


def _concerns(line: str, unresolved: set[str], truth: dict[str, Any]) -> bool:
    """Whether a discrepancy line is about variables rnninspect declared unresolved. Counts
    of cells, layers and copies are, when an unresolved variable belongs to a cell in the
    truth."""
    if line.startswith("finding unresolved not expected"):
        return True
    head = line.split(":")[0]
    if head in unresolved:
        return True
    if line.startswith("not training_state: "):
        named = [part.rsplit(" (", 1)[0] for part in line.split(": ", 1)[1].split(", ")]
        return all(n in unresolved for n in named)
    if head in ("cells", "layers", "cells merged", "copies", "num_steps"):
        # how many cells, layers, copies or steps the unresolved cell's applications make
        return any(truth["variables"].get(v, {}).get("cell") for v in unresolved)
    if line.startswith("finding ") and (" missing (expected on " in line
                                        or " names [" in line):
        # a finding on the unresolved weights only: which of them it names is not proven
        named = re.findall(r"[\w/.:-]+", line.split("(expected on ", 1)[-1]
                           if " missing " in line else line.split(" names ", 1)[1])
        return bool(named) and all(n in unresolved for n in named if n != "expected")
    return False


def inspect_file(path: Path) -> dict[str, Any]:
    from rnninspect import inspect

    got: dict[str, Any] = inspect(f"{path}:build").to_dict()
    return got


def run(descriptions: Iterable[Description], folder: Path, start: int = 0,
        v1_behavior: bool = False) -> Iterator[Outcome]:
    """Write each program into `folder` (a fresh file name each, so no import is reused),
    inspect it and judge the answer."""
    for index, d in enumerate(descriptions, start):
        source, truth = write(d, v1_behavior)
        path = folder / file_name(index, d)
        path.write_text(source, encoding="utf-8")
        began = time.perf_counter()
        try:
            status, lines = judge(truth, inspect_file(path))
        except Exception as e:
            status, lines = "wrong", [f"raised {type(e).__name__}: {str(e)[:300]}"]
        yield Outcome(d, status, tuple(lines), time.perf_counter() - began)


def table(outcomes: list[Outcome]) -> str:
    """A markdown table: family x right / unresolved / wrong, with seconds per program."""
    families = sorted({o.description.family for o in outcomes})
    rows = ["| family | right | unresolved | wrong | programs | s/program |",
            "|---|---:|---:|---:|---:|---:|"]
    for family in [*families, None]:
        mine = [o for o in outcomes if family is None or o.description.family == family]
        counts = [sum(o.status == s for o in mine) for s in STATUSES]
        seconds = sum(o.seconds for o in mine) / max(len(mine), 1)
        name = family or "**all**"
        rows.append(f"| {name} | " + " | ".join(map(str, counts))
                    + f" | {len(mine)} | {seconds:.2f} |")
    return "\n".join(rows)


_FED_BACK = (*FEEDBACK_LOOPS, "feedback")  # the loop forms of the fed-back decoder families

# (test, class): the first whose test holds names a wrong answer's class, for the xfail list
# and BASELINE.md. A test sees the description and the discrepancy lines.
_CLASSES: list[tuple[Any, str]] = [
    (lambda d, t: d.loop in ("conv_fused", "cudnn_keras") and "direction got None" in t,
     "Bidirectional(ConvLSTM1D) in a loop, or tf_keras Bidirectional(CuDNNLSTM/GRU): no "
     "direction (the sequence read through an expanded step, or by a fused op)"),
    (lambda d, t: d.loop == "custom_cell" and "alpha: role got other" in t,
     "a custom Keras cell's leaky time constant, sigmoid(alpha) on h_{t-1}: called other"),
    (lambda d, t: d.loop == "custom_cell" and "ln" in d.extras and "steps got" in t,
     "a layer norm in an unrolled custom Keras cell: its gain and shift at step 0 reported "
     "at step 1"),
    (lambda d, t: d.loop in _FED_BACK and d.feedback.endswith("_embed") and d.steps == 2
     and "role got hidden_to_hidden expected input" in t,
     "a decoder of two steps fed the embedding of its argmax: its separate input matrix "
     "called hidden_to_hidden (its two reads meet only through the argmax)"),
    (lambda d, t: d.loop in _FED_BACK and "role got hidden_to_hidden expected input" in t,
     "a fed-back decoder: the input rows / input matrices read on the prediction called "
     "hidden_to_hidden"),
    (lambda d, t: d.loop in _FED_BACK and "expected hidden_to_output" in t,
     "a fed-back decoder: the output layer taken into the cell (hidden_to_hidden)"),
    (lambda d, t: d.loop in _FED_BACK,
     "a fed-back decoder: its layers merged, misordered or taken for output layers"),
    (lambda d, t: d.loop == "raw_rnn" and d.feedback != "none",
     "a raw_rnn decoder fed its prediction: its layers merged, misordered or misnumbered"),
    (lambda d, t: d.variables == "split",
     "a kernel read as two row slices (x @ W[:-H] + h @ W[-H:]): called input_to_hidden in a "
     "loop, hidden_to_hidden and one step unrolled (not input_hidden_fused)"),
    (lambda d, t: d.dialect == "tf2" and d.stack == "per_step",
     "a new cell made at every step (tf2): a step's bias, first step or layer misplaced"),
    (lambda d, t: d.dialect == "tf2" and d.stack == "tied",
     "one tf2 cell run as two layers: its input matrix called hidden_to_hidden, T wrong"),
    (lambda d, t: d.dialect == "tf2" and "w_out: role got hidden_to_hidden" in t,
     "an output layer applied inside a loop body (TensorArray / scan output) taken into the "
     "cell as hidden_to_hidden"),
    (lambda d, t: "computes nothing" in t,
     "a tf.summary of the loss makes the forward pass training machinery: show refuses"),
    (lambda d, t: "summary" in d.extras and ("role got other" in t or "num_steps" in t),
     "a tf.summary of the loss: forward ops taken for training machinery (`other`, T wrong)"),
    (lambda d, t: d.loop == "stacked_cells",
     "Keras StackedRNNCells: an upper cell's kernel called hidden_to_hidden"),
    (lambda d, t: d.wrapper == "recurrent_dropout" and "recurrent_kernel: role got other" in t,
     "Keras recurrent_dropout: the recurrent kernel becomes `other`"),
    (lambda d, t: d.loop == "unroll" and "num_steps: got None" in t,
     "Keras unroll=True (with recurrent_dropout): T reported as None, steps dynamic"),
    (lambda d, t: d.cell in ("hand_lstm_gates", "hand_gru_gates") and "layer got" in t,
     "a hand cell with one matrix per gate (LSTM or GRU): its gates reported as layers"),
    (lambda d, t: "copies: got [] expected" in t,
     "Train/Valid copies not told apart: counted as layers, false shared_across_layers"),
    (lambda d, t: d.loop in ("while_loop", "scan") and d.layers > 1
     and "got hidden_to_hidden expected input" in t,
     "layers stacked in one loop body merged into one: upper input matrices hidden_to_hidden"),
    (lambda d, t: d.stack == "multi" and "got hidden_to_hidden expected input_hidden_fused" in t,
     "a MultiRNNCell stack merged into one layer: upper fused kernels hidden_to_hidden"),
    (lambda d, t: "w_o_diag: role got other" in t or "w_o_diag: cell got" in t,
     "LSTMCell(use_peepholes=True): w_o_diag (it multiplies the new c_t) not in the cell"),
    (lambda d, t: d.wrapper == "bidi" and "direction got None" in t,
     "stacked static_bidirectional_rnn: an upper layer's direction lost"),
    (lambda d, t: "name got copy 1 expected Train" in t,
     "Train/Valid copies of a while/scan loop named copy 1/2 instead of Train/Valid"),
]


def wrong_class(d: Description, lines: Iterable[str]) -> str:
    text = "\n".join(lines)
    for test, name in _CLASSES:
        if test(d, text):
            return name
    return "other: " + text.split("\n")[0][:120]


def known_wrong_text(outcomes: list[Outcome], seed: int) -> str:
    """KNOWN_WRONG.txt: one `key<TAB>class` line per wrong program, in run order."""
    header = (f"# Generated programs rnninspect gets wrong (seed {seed}, first {len(outcomes)}):"
              " description key, tab, class.\n# Rewrite with `python -m tests.generated --n N "
              "--known-wrong tests/generated/KNOWN_WRONG.txt`.\n")
    seen: dict[str, str] = {}
    for o in outcomes:
        if o.status == "wrong":
            seen.setdefault(o.description.key, wrong_class(o.description, o.discrepancies))
    return header + "".join(f"{key}\t{name}\n" for key, name in seen.items())


def classes(outcomes: list[Outcome]) -> list[tuple[str, int, Outcome]]:
    """Each class of wrong answer: how many programs, and the smallest one that shows it
    (fewest layers, then fewest steps, then the shortest description)."""
    by_class: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.status == "wrong":
            by_class.setdefault(wrong_class(o.description, o.discrepancies), []).append(o)

    def size(o: Outcome) -> tuple[int, int, int]:
        d = o.description
        return d.layers, d.steps, len(d.key)

    return sorted(((name, len(mine), min(mine, key=size)) for name, mine in by_class.items()),
                  key=lambda c: -c[1])
