"""Hand-built Inspections shaped like the seed programs, for the diagram and export tests.

They mirror what the analysis reports for ptb_word_lm.py (small config) and the MNIST row
classifier, so the renderers can be tested without TensorFlow. tests/test_diagram_models.py
checks their own invariants (parameter totals add up), so a typo here cannot quietly weaken
the diagram tests.
"""

from __future__ import annotations

from rnninspect.model import (
    Cell,
    Finding,
    FindingKind,
    GateBlock,
    Inspection,
    Link,
    Placement,
    Role,
    RowSplit,
    Severity,
    StepGraph,
    StepOp,
    VariableInfo,
)

TF1_GATES = ("i", "j", "f", "o")


def var(
    name: str,
    shape: tuple[int, ...],
    role: Role,
    placement: Placement,
    *,
    cell: str | None = None,
    layer: int | None = None,
    steps: tuple[int, ...] = (),
) -> VariableInfo:
    params = 1
    for d in shape:
        params *= d
    row_split = gates = None
    if role is Role.INPUT_HIDDEN_FUSED:
        rows, cols = shape
        row_split = RowSplit(input=(0, rows - cols // 4), hidden=(rows - cols // 4, rows))
    if role in (Role.INPUT_HIDDEN_FUSED, Role.BIAS) and cell is not None:
        u = shape[-1] // 4
        gates = tuple(GateBlock(g, (k * u, (k + 1) * u)) for k, g in enumerate(TF1_GATES))
    return VariableInfo(
        name=name,
        shape=shape,
        dtype="float32",
        params=params,
        trainable=True,
        role=role,
        placement=placement,
        cell=cell,
        layer=layer,
        steps=steps,
        dynamic=False,
        shared=len(steps) > 1,
        reads=max(1, len(steps)),
        row_split=row_split,
        gates=gates,
    )


def _inspection(
    model: str, variables: list[VariableInfo], cells: list[Cell], **kw: object
) -> Inspection:
    total = sum(v.params for v in variables)
    logical = sum(v.logical_params for v in variables)
    return Inspection(
        model=model,
        dialect="legacy",
        config=(),
        num_steps=kw.pop("num_steps", None),  # type: ignore[arg-type]
        total_params=total,
        logical_params=logical,
        variables=tuple(variables),
        cells=tuple(cells),
        **kw,  # type: ignore[arg-type]
    )


def ptb_like(
    num_steps: int = 20,
    *,
    layers: int = 2,
    hidden: int = 200,
    vocab: int = 10000,
    noreuse: bool = False,
    links: bool = True,
    step_graph: bool = True,
) -> Inspection:
    """ptb_word_lm.py: embedding → `layers` fused-kernel LSTM cells → softmax_w/b."""
    steps = tuple(range(num_steps))
    variables = [var("model/embedding", (vocab, hidden), Role.EMBEDDING, Placement.BEFORE)]
    cells, findings, link_list = [], [], [Link("input:model/input_data", "model/embedding")]
    prev = "model/embedding"
    for layer in range(layers):
        cname = f"model/RNN/multi_rnn_cell/cell_{layer}/basic_lstm_cell"
        if noreuse:
            names = []
            for t in steps:
                scope = f"model/RNN/step_{t}/multi_rnn_cell/cell_{layer}/basic_lstm_cell"
                k = var(
                    f"{scope}/kernel",
                    (2 * hidden, 4 * hidden),
                    Role.INPUT_HIDDEN_FUSED,
                    Placement.CELL,
                    cell=cname,
                    layer=layer,
                    steps=(t,),
                )
                b = var(
                    f"{scope}/bias",
                    (4 * hidden,),
                    Role.BIAS,
                    Placement.CELL,
                    cell=cname,
                    layer=layer,
                    steps=(t,),
                )
                variables += [k, b]
                names += [k.name, b.name]
            findings.append(
                Finding(
                    FindingKind.DUPLICATED_ACROSS_STEPS,
                    Severity.ERROR,
                    f"layer {layer}'s LSTM weights are re-created at each of {num_steps} steps",
                    tuple(names),
                )
            )
        else:
            k = var(
                f"{cname}/kernel",
                (2 * hidden, 4 * hidden),
                Role.INPUT_HIDDEN_FUSED,
                Placement.CELL,
                cell=cname,
                layer=layer,
                steps=steps,
            )
            b = var(
                f"{cname}/bias",
                (4 * hidden,),
                Role.BIAS,
                Placement.CELL,
                cell=cname,
                layer=layer,
                steps=steps,
            )
            variables += [k, b]
            names = [k.name, b.name]
        cells.append(
            Cell(
                cname, layer, "LSTM", hidden, TF1_GATES, ("c", "h"), tuple(names), num_steps, False
            )
        )
        link_list.append(Link(prev, cname))
        prev = cname
    variables += [
        var("model/softmax_w", (hidden, vocab), Role.HIDDEN_TO_OUTPUT, Placement.AFTER),
        var("model/softmax_b", (vocab,), Role.BIAS, Placement.AFTER),
    ]
    link_list += [
        Link(prev, "model/softmax_w"),
        Link("model/softmax_w", "output:model/logits"),
        Link("model/softmax_b", "output:model/logits"),
    ]
    return _inspection(
        "ptb" + ("-noreuse" if noreuse else ""),
        variables,
        cells,
        num_steps=num_steps,
        findings=tuple(findings),
        links=tuple(link_list) if links else (),
        inputs=("model/input_data",),
        outputs=("model/logits",),
        step_graph=lstm_step_graph(cells[0].name, min(1, num_steps - 1)) if step_graph else None,
    )


def mnist_like(num_steps: int = 28, *, hidden: int = 128) -> Inspection:
    """recurrent_network.py: x → hidden [28,128] (+bias) → BasicLSTMCell → out [128,10]."""
    steps = tuple(range(num_steps))
    cname = "rnn/basic_lstm_cell"
    variables = [
        var("Variable", (28, hidden), Role.INPUT_TO_HIDDEN, Placement.BEFORE),
        var("Variable_1", (hidden, 10), Role.HIDDEN_TO_OUTPUT, Placement.AFTER),
        var("Variable_2", (hidden,), Role.BIAS, Placement.BEFORE),
        var("Variable_3", (10,), Role.BIAS, Placement.AFTER),
        var(
            f"{cname}/kernel",
            (2 * hidden, 4 * hidden),
            Role.INPUT_HIDDEN_FUSED,
            Placement.CELL,
            cell=cname,
            layer=0,
            steps=steps,
        ),
        var(
            f"{cname}/bias",
            (4 * hidden,),
            Role.BIAS,
            Placement.CELL,
            cell=cname,
            layer=0,
            steps=steps,
        ),
    ]
    cell = Cell(
        cname,
        0,
        "LSTM",
        hidden,
        TF1_GATES,
        ("c", "h"),
        (f"{cname}/kernel", f"{cname}/bias"),
        num_steps,
        False,
    )
    finding = Finding(
        FindingKind.REDUNDANT_PROJECTION,
        Severity.WARNING,
        "Variable [28×128] is linear and composes with the input rows of "
        "rnn/basic_lstm_cell/kernel",
        ("Variable", f"{cname}/kernel"),
    )
    return _inspection(
        "mnist",
        variables,
        [cell],
        num_steps=num_steps,
        findings=(finding,),
        inputs=("x",),
        outputs=("pred",),
    )


def lstm_step_graph(cell: str, step: int) -> StepGraph:
    """The ops of one BasicLSTMCell step (TF1 gate order i, j, f, o)."""
    ops = (
        StepOp("x", "StridedSlice", "x(t)"),
        StepOp("h_prev", "Identity", "h(t−1)"),
        StepOp("c_prev", "Identity", "c(t−1)"),
        StepOp("concat", "ConcatV2", "concat [x, h]"),
        StepOp("matmul", "MatMul", "matmul", reads=f"{cell}/kernel"),
        StepOp("bias_add", "BiasAdd", "+ bias", reads=f"{cell}/bias"),
        StepOp("split", "Split", "split into 4 gates"),
        StepOp("i", "Sigmoid", "σ", gate="i"),
        StepOp("j", "Tanh", "tanh", gate="j"),
        StepOp("f", "Sigmoid", "σ(f + forget_bias)", gate="f"),
        StepOp("o", "Sigmoid", "σ", gate="o"),
        StepOp("c", "AddV2", "c = c·f + i·j"),
        StepOp("h", "Mul", "h = tanh(c)·o"),
    )
    edges = (
        ("x", "concat"), ("h_prev", "concat"), ("concat", "matmul"), ("matmul", "bias_add"),
        ("bias_add", "split"), ("split", "i"), ("split", "j"), ("split", "f"), ("split", "o"),
        ("c_prev", "c"), ("f", "c"), ("i", "c"), ("j", "c"), ("c", "h"), ("o", "h"),
    )  # fmt: skip
    return StepGraph(step, ops, edges)
