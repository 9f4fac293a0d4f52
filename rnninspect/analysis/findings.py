"""What looks wrong: sharing bugs and dead weight, explained with the fix."""

from __future__ import annotations

from collections import defaultdict

from rnninspect.model import (
    Finding,
    FindingKind,
    Inspection,
    Placement,
    Role,
    Severity,
    VariableInfo,
)


def find_problems(inspection: Inspection) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    findings += _duplicated(inspection)
    findings += _shared_across_layers(inspection)
    findings += _unused(inspection)
    findings += _redundant_projection(inspection)
    findings += _dead_steps(inspection)
    findings += _dead_weight(inspection)
    findings += _no_recurrence(inspection)
    findings += _unresolved(inspection)
    findings += [
        Finding(
            FindingKind.WEIGHT_TYING,
            Severity.INFO,
            f"{v.name} {list(v.shape)} is tied: gathered as the input embedding and, "
            "transposed, multiplied as the output matrix — one variable, two roles, counted "
            "once",
            (v.name,),
        )
        for v in inspection.variables
        if Role.HIDDEN_TO_OUTPUT in v.also_roles
    ]
    return tuple(sorted(findings, key=lambda f: (f.kind.value, f.variables)))


REUSE_FIX = {
    "legacy": "build the cell once and call that same object at every step, inside one "
    "variable scope with tf.compat.v1.get_variable_scope().reuse_variables() from step 1 "
    "(or reuse=tf.compat.v1.AUTO_REUSE)",
    "keras": "create the cell once, outside the loop over time steps, and call that object "
    "at every step",
}


def _duplicated(inspection: Inspection) -> list[Finding]:
    """The same role and shape re-created at each step: one weight per step, not one in all."""
    groups: dict[tuple[object, ...], list[VariableInfo]] = defaultdict(list)
    for v in inspection.variables:
        if v.cell is not None and len(v.steps) == 1 and v.reads == 1:
            groups[(v.cell, v.role, v.shape)].append(v)
    per_cell: dict[str, list[tuple[str, list[VariableInfo]]]] = defaultdict(list)
    for (cell, role, shape), members in groups.items():
        if len({v.steps[0] for v in members}) >= 2:
            assert isinstance(role, Role) and isinstance(shape, tuple)
            per_cell[str(cell)].append((f"{role.label} {list(shape)}", members))
    out = []
    for cell, kinds in sorted(per_cell.items()):
        members = [v for _, group in kinds for v in group]
        steps = len({v.steps[0] for v in members})
        wasted = sum(v.params for _, group in kinds for v in group[1:])
        what = " + ".join(label for label, _ in sorted(kinds))
        out.append(
            Finding(
                FindingKind.DUPLICATED_ACROSS_STEPS,
                Severity.ERROR,
                f"{cell}: new weights ({what}) are created at each of {steps} steps — missing "
                f"reuse: {len(members)} variables, {wasted:,} parameters more than one shared "
                "copy, and each step learns its own cell",
                tuple(sorted(v.name for v in members)),
                wasted,
                REUSE_FIX.get(inspection.dialect, REUSE_FIX["keras"]),
            )
        )
    return out


LAYER_FIX = {
    "legacy": "build one cell object per layer: MultiRNNCell([make_cell() for _ in "
    "range(num_layers)]) instead of MultiRNNCell([cell] * num_layers)",
    "keras": "create one cell object per layer ([LSTMCell(n) for _ in range(layers)]) "
    "instead of repeating one object ([cell] * layers)",
}


def _shared_across_layers(inspection: Inspection) -> list[Finding]:
    """One cell's weights applied by several layers of the stack."""
    shared = [v for v in inspection.variables if v.also_cells]
    if not shared:
        return []
    layers = sorted({str(v.cell) for v in shared} | {c for v in shared for c in v.also_cells})
    params = sum(v.params * len(v.also_cells) for v in shared)
    names = ", ".join(sorted(v.name for v in shared))
    return [
        Finding(
            FindingKind.SHARED_ACROSS_LAYERS,
            Severity.ERROR,
            f"{len(layers)} layers ({', '.join(str(x) for x in layers)}) run on the same "
            f"weights ({names}): the stack has one cell's capacity; separate layers would "
            f"add {params:,} parameters",
            tuple(sorted(v.name for v in shared)),
            params,
            LAYER_FIX.get(inspection.dialect, LAYER_FIX["keras"]),
        )
    ]


def _unused(inspection: Inspection) -> list[Finding]:
    out = []
    for v in inspection.variables:
        if v.reads == 0 and v.trainable:
            out.append(
                Finding(
                    FindingKind.UNUSED_VARIABLE,
                    Severity.WARNING,
                    f"{v.name} {list(v.shape)} is created but no op of the traced computation "
                    f"reads it: {v.params:,} parameters that never train",
                    (v.name,),
                    v.params,
                    "delete it, or check that the layer that owns it is actually called",
                )
            )
    return out


def _redundant_projection(inspection: Inspection) -> list[Finding]:
    """A linear map before a cell whose output reaches the cell's input rows through no
    nonlinearity composes with them (`linear_into`, decided from the op graph)."""
    out = []
    for v in inspection.variables:
        if v.linear_into is None:
            continue
        k = inspection.variable(v.linear_into)
        n_in, n_out = v.shape
        rows = (k.row_split.input[1] - k.row_split.input[0]) if k.row_split else k.shape[0]
        if n_in is None or n_out is None:
            continue
        direct = n_in * (k.shape[1] or 0)
        through = v.params + (rows or 0) * (k.shape[1] or 0)
        out.append(
            Finding(
                FindingKind.REDUNDANT_PROJECTION,
                Severity.INFO,
                f"{v.name} {list(v.shape)} is a linear projection outside the cell feeding the "
                f"input rows of {k.name}; with no nonlinearity in between the two compose into "
                f"one [{n_in}, {k.shape[1]}] matrix (rank ≤ {min(n_in, n_out)}): "
                f"{through:,} parameters where {direct:,} express the same functions",
                (v.name, k.name),
                max(0, through - direct),
                "drop the projection and feed the input to the cell directly, or add an "
                "activation if a nonlinear input layer was intended",
            )
        )
    return out


def _dead_steps(inspection: Inspection) -> list[Finding]:
    """Steps of a cell computed for nothing: none of their weight reads reaches an output."""
    by_cell: dict[str, list[VariableInfo]] = defaultdict(list)
    for v in inspection.variables:
        if v.dead_steps and v.cell is not None:
            by_cell[v.cell].append(v)
    out = []
    for cell, members in sorted(by_cell.items()):
        steps = sorted({s for v in members for s in v.dead_steps})
        total = len(members[0].steps) or len(steps)
        direction = next((c.direction for c in inspection.cells if c.name == cell), None)
        which = f"{cell} ({direction})" if direction else cell
        backward = direction == "backward"
        out.append(Finding(
            FindingKind.DEAD_STEPS,
            Severity.WARNING,
            f"{which}: steps {_ranges(steps)} of {total} are computed but reach no model "
            f"output — {', '.join(v.name for v in members)} "
            f"{'are' if len(members) > 1 else 'is'} read there for nothing"
            + (" (the backward cell ran on the last input first, so the last output holds "
               "only its first step)" if backward else ""),
            tuple(v.name for v in members),
            0,
            "use the concatenated outputs of every step (or the final states), or outputs[0] "
            "for the backward direction" if backward else
            "use the outputs of every step (or the final state) instead of an earlier step's",
        ))
    return out


def _ranges(steps: list[int]) -> str:
    """`1–3, 5` for [1, 2, 3, 5]."""
    runs: list[list[int]] = []
    for s in steps:
        if runs and s == runs[-1][-1] + 1:
            runs[-1].append(s)
        else:
            runs.append([s])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _dead_weight(inspection: Inspection) -> list[Finding]:
    """Weights that can only ever multiply zeros: no effect on anything, zero gradient."""
    dead = [v for v in inspection.variables if v.dead and v.trainable]
    if not dead:
        return []
    recurrent = any(v.role is Role.HIDDEN_TO_HIDDEN for v in dead)
    params = sum(v.params for v in dead)
    return [Finding(
        FindingKind.DEAD_WEIGHT,
        Severity.WARNING,
        f"{', '.join(f'{v.name} {list(v.shape)}' for v in dead)} only ever "
        f"multipl{'y' if len(dead) > 1 else 'ies'} zeros: the operand is always a zeros "
        "tensor" + (" (a recurrent state that is never anything but its zero initial value)"
                    if recurrent else "")
        + f" — {params:,} parameters with no effect and zero gradient",
        tuple(v.name for v in dead),
        params,
        "pass the state along (initial_state= the previous step's state, or run the layer "
        "once over the whole sequence), or drop the weight if it is not meant to be used"
        if recurrent else "check what feeds it: its input is constant zero",
    )]


def _no_recurrence(inspection: Inspection) -> list[Finding]:
    if inspection.cells or any(v.dynamic for v in inspection.variables):
        return []
    return [
        Finding(
            FindingKind.NO_RECURRENCE,
            Severity.INFO,
            "no recurrence found: no weight is read at successive time steps "
            "(a single step, or a model without RNN layers)",
            (),
        )
    ]


def _unresolved(inspection: Inspection) -> list[Finding]:
    """Never silently wrong: name the weights the analysis read but could not place."""
    if inspection.dialect == "checkpoint":
        return []
    recurrent = bool(inspection.cells) or any(v.dynamic for v in inspection.variables)
    unplaced = [v for v in inspection.variables
                if recurrent and v.trainable and v.reads and v.role is Role.OTHER
                and v.cell is None and v.placement is Placement.NONE]
    out = []
    square = [v for v in unplaced if inspection.num_steps == 1 and len(v.shape) == 2
              and v.shape[0] == v.shape[1]]
    if square:  # see single._maybe_projection
        out.append(_unknown(
            square,
            f"could not tell whether {', '.join(v.name for v in square)} "
            f"{'is' if len(square) == 1 else 'are'} part of the cell or after it: at one step "
            "(T = 1) no later step reads the result, and a square map of the cell output "
            "to a value as wide as the state may be the cell's projection (making the next "
            "state) as well as an output layer; roles shown as 'other' are unknown, not "
            "guessed",
            "unroll two or more steps (--num-steps 2, or build the model so): the second "
            "step shows whether it reads the result"))
        unplaced = [v for v in unplaced if v not in square]
    if unplaced:
        out.append(_unknown(
            unplaced,
            f"could not tell where {len(unplaced)} weight{'s' if len(unplaced) > 1 else ''} "
            f"sit{'s' if len(unplaced) == 1 else ''} ({', '.join(v.name for v in unplaced)}): "
            "read by the computation, but in no pattern the analysis can prove (not a matmul "
            "or gather of the data, the recurrent state or the cell outputs); roles shown as "
            "'other' are unknown, not guessed",
            "look at the ops around it with `rnninspect diagram MODEL --view step`; if the "
            "program is a common RNN form, report it"))
    opaque = [v for v in inspection.variables
              if v.trainable and v.reads and v.role is Role.OTHER and v.cell is not None
              and len(v.shape) >= 2]
    if opaque:  # a kernel a cell's step reads, not through a matmul (a convolution, an einsum)
        out.append(_unknown(
            opaque,
            f"could not tell what {', '.join(v.name for v in opaque)} "
            + ("connects in its cell: a step reads it" if len(opaque) == 1
               else "connect in their cell: a step reads them")
            + ", but not as a matmul of the input or the state (a convolution, an einsum: "
            "the rules of roles are proven for matmuls only); roles shown as 'other' are "
            "unknown, not guessed",
            "look at the ops around it with `rnninspect diagram MODEL --view step`"))
    if not recurrent:
        repeated = [v for v in inspection.variables
                    if v.trainable and v.reads >= 2 and len(v.shape) == 2
                    and v.role is not Role.EMBEDDING and not v.also_roles]
        if repeated:
            out.append(_unknown(
                repeated,
                "no recurrence could be proven, yet "
                f"{', '.join(f'{v.name} ({v.reads} reads)' for v in repeated)} "
                "is read several times: the reads form no single chain of time steps",
                "if these are time steps, check that each step's state feeds the next"))
    return out


def _unknown(variables: list[VariableInfo], message: str, fix: str) -> Finding:
    return Finding(FindingKind.UNRESOLVED, Severity.WARNING, message,
                   tuple(v.name for v in variables), sum(v.params for v in variables), fix)
