"""Plain-language answers to the seed question, derived from an Inspection (no canned text).

Each function returns sentences as plain strings; the table renderer escapes and styles them.
"""

from __future__ import annotations

from rnninspect.model import Inspection, Placement, Role, VariableInfo
from rnninspect.render.text import shape_text, step_ranges


def steps_summary(v: VariableInfo, num_steps: int | None) -> str:
    """`0–19 (20/20)`, `every iteration` for while loops, `—` when read outside the steps."""
    if v.dynamic:
        return "every iteration"
    if not v.steps:
        return "—"
    total = f"/{num_steps}" if num_steps else ""
    return f"{','.join(step_ranges(v.steps))} ({len(v.steps)}{total})"


def cell_text(ins: Inspection, name: str) -> str:
    """A cell's name, with its direction in a bidirectional pair: `cell0_1 (bw)`."""
    direction = _direction(ins, name)
    return f"{name} ({'fw' if direction == 'forward' else 'bw'})" if direction else name


def _direction(ins: Inspection, cell: str | None) -> str | None:
    return next((c.direction for c in ins.cells if c.name == cell), None)


def explain(ins: Inspection) -> list[str]:
    lines: list[str] = []
    lines += _input_side(ins)
    lines += _directions(ins)
    lines += _recurrent_side(ins)
    lines += _output_side(ins)
    lines += _sharing(ins)
    return lines


def _cell_words(ins: Inspection, v: VariableInfo) -> str:
    direction = _direction(ins, v.cell)
    if v.layer is not None and ins.layers > 1:
        return f"layer {v.layer}, {direction}" if direction else f"layer {v.layer}"
    return f"the {direction} cell" if direction else "the cell"


def _directions(ins: Inspection) -> list[str]:
    out = []
    for layer in sorted({c.layer for c in ins.cells if c.direction}):
        pair = sorted((c for c in ins.cells if c.layer == layer and c.direction),
                      key=lambda c: (c.direction != "forward", c.name))
        fw = [c.name for c in pair if c.direction == "forward"]
        bw = [c.name for c in pair if c.direction == "backward"]
        where = f"layer {layer}" if ins.layers > 1 else "the input"
        out.append(
            f"Bidirectional ({where}): {', '.join(fw)} reads the sequence forward (x_0 first), "
            f"{', '.join(bw)} backward (x_T-1 first); each has its own weights."
        )
    return out


def _input_kernel_fed_by(
    ins: Inspection, v: VariableInfo, first: VariableInfo | None
) -> VariableInfo | str | None:
    """The input kernel of the cell that `v`'s output feeds (the cell it sits in, else the
    one its link reaches); the cell's name when it has several input kernels; `first` when
    the inspection has no links to go by; None when `v` feeds no cell."""
    cells = {c.name for c in ins.cells}
    fed = [v.cell] if v.cell else [lk.target for lk in ins.links
                                   if lk.source == v.name and lk.target in cells]
    if not ins.links and not v.cell:
        return first
    if len(set(fed)) != 1:
        return None
    kernels = [k for k in ins.variables if k.cell == fed[0] and k is not v
               and k.role in (Role.INPUT_HIDDEN_FUSED, Role.INPUT_TO_HIDDEN)]
    if len(kernels) > 1:
        return fed[0]
    return kernels[0] if kernels else None


def _input_side(ins: Inspection) -> list[str]:
    out = []
    embeddings = ins.by_role(Role.EMBEDDING)
    projections = [v for v in ins.by_role(Role.INPUT_TO_HIDDEN) if v.placement is Placement.BEFORE]
    fused0 = [v for v in ins.by_role(Role.INPUT_HIDDEN_FUSED) if v.layer == 0]
    inner0 = [v for v in ins.by_role(Role.INPUT_TO_HIDDEN) if v.layer == 0]
    first = fused0[0] if fused0 else (inner0[0] if inner0 else None)
    for e in embeddings:
        target = ""
        reader = _input_kernel_fed_by(ins, e, first)
        if isinstance(reader, str):
            target = f"; the input kernels of {reader} multiply it at every step"
        elif reader is not None and reader.row_split is not None:
            a, b = reader.row_split.input
            target = f"; rows {a}–{b - 1} of {reader.name} multiply it at every step"
        elif reader is not None:
            target = f"; {reader.name} multiplies it at every step"
        out.append(
            f"Input→hidden: {e.name} {shape_text(e.shape)} is gathered by integer ids — a "
            f"linear map of a one-hot input, so it *is* an input→hidden matrix{target}."
        )
    for p in projections:
        into = ""
        if first is not None and first.row_split is not None:
            a, b = first.row_split.input
            into = f"; its output enters rows {a}–{b - 1} of {first.name} at every step"
        elif first is not None:
            into = f"; its output is multiplied by {first.name} at every step"
        out.append(
            f"Input→hidden, outside the cell: {p.name} {shape_text(p.shape)} multiplies the raw "
            f"input once, before the recurrence{into} — two input→hidden matrices in a row."
        )
    if not embeddings and not projections and first is not None:
        where = (f"rows {first.row_split.input[0]}–{first.row_split.input[1] - 1} of "
                 if first.row_split else "")
        out.append(f"Input→hidden: {where}{first.name} multiplies x_t directly.")
    return out


def _recurrent_side(ins: Inspection) -> list[str]:
    out = []
    for v in ins.by_role(Role.INPUT_HIDDEN_FUSED):
        if v.row_split is None:
            out.append(f"Fused ({_cell_words(ins, v)}): {v.name} {shape_text(v.shape)}"
                       f"{_gates(v)}.")
            continue
        (a, b), (c, d) = v.row_split.input, v.row_split.hidden
        out.append(
            f"Fused ({_cell_words(ins, v)}): {v.name} {shape_text(v.shape)} multiplies "
            f"concat([x_t, h_t-1]): rows {a}–{b - 1} are input→hidden, rows {c}–{d - 1} "
            f"hidden→hidden{_gates(v)}."
        )
    splits = [v for v in ins.by_role(Role.INPUT_TO_HIDDEN) if v.placement is Placement.CELL]
    for v in splits:
        out.append(f"Input→hidden ({_cell_words(ins, v)}): {v.name} {shape_text(v.shape)}"
                   f"{_gates(v)}.")
    for v in ins.by_role(Role.HIDDEN_TO_HIDDEN):
        what = ("multiplies the recurrent state, which is never anything but its zero "
                "initial value here (see dead_weight)" if v.dead
                else "multiplies the previous step's h")
        out.append(f"Hidden→hidden ({_cell_words(ins, v)}): {v.name} {shape_text(v.shape)} "
                   f"{what}{_gates(v)}.")
    return out


def _gates(v: VariableInfo) -> str:
    if not v.gates:
        return ""
    return "; columns are gates " + ", ".join(
        f"{g.gate} {g.columns[0]}–{g.columns[1] - 1}" for g in v.gates)


def _output_side(ins: Inspection) -> list[str]:
    out = [
        f"Hidden→output: {v.name} {shape_text(v.shape)} multiplies the cell outputs after "
        "the recurrence."
        for v in ins.by_role(Role.HIDDEN_TO_OUTPUT)
    ]
    state = ins.by_role(Role.CARRIED_STATE)
    if state:
        out.append(f"Carried state: {', '.join(v.name for v in state)} "
                   f"{'holds' if len(state) == 1 else 'hold'} the cell state from one call to "
                   "the next (a stateful RNN): not weights, no parameters counted.")
    return out


def _sharing(ins: Inspection) -> list[str]:
    out = []
    in_steps = [v for v in ins.variables if v.steps and v.trainable]
    if in_steps and ins.num_steps == 1:
        out.append("One step: each cell weight is read once per layer (the model was built "
                   "for T = 1); nothing is shared across steps.")
    elif in_steps and ins.num_steps:
        everywhere = [v for v in in_steps if len(v.steps) == ins.num_steps]
        params = sum(v.params for v in everywhere)
        out.append(
            f"Shared across steps: {len(everywhere)} of {len(in_steps)} cell variables "
            f"({params:,} parameters) are read at all {ins.num_steps} steps — one copy of the "
            f"weights, {ins.logical_params:,} logical parameter uses in total."
        )
    if any(v.dynamic for v in ins.variables):
        out.append("Read inside a while loop: those weights serve every iteration (dynamic RNN).")
    if ins.dialect == "checkpoint":
        out.append("No graph: the roles above rest on variable names and shapes only; which "
                   "steps read what, and what is shared, cannot be proven from a checkpoint.")
    elif not ins.cells and not any(v.dynamic for v in ins.variables):
        out.append("No recurrence found: no weight is read at successive time steps.")
    return out
