"""Write a Keras 3 functional model from a `Description`, with its ground truth.

Every layer is named, so every variable path is known before the model is built: a
recurrent layer `rnn{i}` (or `bidi{i}` around it), `RNN(cell{i})` for the cell forms, one
`RNN(StackedRNNCells(...))` named `rnn`/`stack`, `embed`, `proj` before the recurrence and
`head` after it. Keras conventions (tests/models/real/README.md): `kernel` input_to_hidden,
`recurrent_kernel` hidden_to_hidden.
"""

from __future__ import annotations

from tests.generated.description import Description
from tests.generated.facts import Truth, Weight, steps_of

B, F, V, C = 2, 3, 12, 3

# cell -> (Keras layer, Keras cell, the cell's path name inside a layer, gate blocks)
_KERAS = {
    "lstm": ("LSTM", "LSTMCell", "lstm_cell", 4),
    "gru": ("GRU", "GRUCell", "gru_cell", 3),
    "simple_rnn": ("SimpleRNN", "SimpleRNNCell", "simple_rnn_cell", 1),
}


def cell_weights(cell: str, scope: str, in_dim: int, h: int
                 ) -> list[tuple[str, tuple[int, ...], str]]:
    gates = _KERAS[cell][3] * h
    bias = (2, gates) if cell == "gru" else (gates,)  # GRU: reset_after=True, two biases
    return [(scope + "kernel", (in_dim, gates), "input_to_hidden"),
            (scope + "recurrent_kernel", (h, gates), "hidden_to_hidden"),
            (scope + "bias", bias, "bias")]


def input_front(d: Description, truth: Truth, e: int) -> tuple[list[str], int]:
    """The layers before the recurrence (an embedding, a projection, or none) as Keras layer
    expressions, their weights added to `truth`; and the width the first cell reads."""
    layers: list[str] = []
    in_dim = F
    if d.inputs == "embedding":
        layers.append('keras.layers.Embedding(V, E, name="embed")')
        truth.add(Weight("embed/embeddings", (V, e), "embedding"))
        in_dim = e
    if d.inputs in ("dense_tanh", "linear"):
        act = ', activation="tanh"' if d.inputs == "dense_tanh" else ""
        layers.append(f'keras.layers.Dense(E{act}, name="proj")')
        kernel = truth.add(Weight("proj/kernel", (F, e), "input_to_hidden"))
        truth.add(Weight("proj/bias", (e,), "bias"))
        in_dim = e
        if d.inputs == "linear":
            truth.findings["redundant_projection"] = [kernel]
    return layers, in_dim


def write_keras(d: Description) -> tuple[str, Truth]:
    truth = Truth(num_steps=d.steps if d.loop == "unroll" else None)
    steps = steps_of(d.steps, d.loop != "unroll")
    h, e = d.hidden, d.hidden + 1
    layer_cls, cell_cls, cell_path, _ = _KERAS[d.cell]
    twin = d.copies == "twin"
    lines: list[str] = []
    inputs = ["a", "b"] if twin else ["x"]
    if d.inputs == "embedding":
        lines += [f'{n} = keras.Input((T,), batch_size=B, dtype="int32", name="{n}")'
                  for n in inputs]
    else:
        lines += [f'{n} = keras.Input((T, F), batch_size=B, name="{n}")' for n in inputs]
    lines.append(f"inputs = [{', '.join(inputs)}]")
    pre, in_dim = input_front(d, truth, e)

    options = {"none": "", "bidi": "", "dropout": ", dropout=0.25",
               "recurrent_dropout": ", recurrent_dropout=0.25"}[d.wrapper]
    unroll = ", unroll=True" if d.loop == "unroll" else ""
    bidi = d.wrapper == "bidi"
    width = h * (2 if bidi else 1)
    layers: list[str] = []
    if d.loop == "stacked_cells":
        cells = ", ".join(f'keras.layers.{cell_cls}(H{options}, name="cell{i}")'
                          for i in range(d.layers))
        seqs = ", return_sequences=True" if d.head == "every" else ""
        layers.append(f'keras.layers.RNN(keras.layers.StackedRNNCells([{cells}], name="stack")'
                      f'{seqs}, name="rnn")')
        for i in range(d.layers):
            for name, shape, role in cell_weights(d.cell, f"rnn/stack/cell{i}/",
                                                  in_dim if i == 0 else h, h):
                truth.add(Weight(name, shape, role, f"cell{i}", i, steps))
    for i in range(d.layers if d.loop != "stacked_cells" else 0):
        seqs = ", return_sequences=True" if i < d.layers - 1 or d.head == "every" else ""
        if d.loop == "rnn_cell":
            layer = (f'keras.layers.RNN(keras.layers.{cell_cls}(H{options}, name="cell{i}")'
                     f'{seqs}, name="rnn{i}")')
            inner = f"cell{i}"
        else:
            layer = f'keras.layers.{layer_cls}(H{options}{seqs}{unroll}, name="rnn{i}")'
            inner = cell_path
        in_i = in_dim if i == 0 else width
        if bidi:
            layers.append(f'keras.layers.Bidirectional({layer}, name="bidi{i}")')
            for way in ("forward", "backward"):
                for name, shape, role in cell_weights(d.cell, f"bidi{i}/{way}_rnn{i}/{inner}/",
                                                      in_i, h):
                    truth.add(Weight(name, shape, role, f"{way}{i}", i, steps, way))
        else:
            layers.append(layer)
            for name, shape, role in cell_weights(d.cell, f"rnn{i}/{inner}/", in_i, h):
                truth.add(Weight(name, shape, role, f"cell{i}", i, steps))

    lines.append("stack = [" + ", ".join(pre + layers) + "]")
    lines.append("towers = []")
    lines.append("for t in inputs:")
    lines.append("    for layer in stack:")
    lines.append("        t = layer(t)")
    lines.append("    towers.append(t)")
    if twin:
        lines.append("y = keras.layers.Concatenate(name='join')(towers)")
        truth.copies = [{"num_steps": truth.num_steps}, {"num_steps": truth.num_steps}]
    else:
        lines.append("y = towers[0]")
    lines.append('outputs = keras.layers.Dense(C, name="head")(y)')
    truth.add(Weight("head/kernel", (width * (2 if twin else 1), C), "hidden_to_output"))
    truth.add(Weight("head/bias", (C,), "bias"))
    lines.append('return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs, '
                 'name="gen")')
    source = "\n".join([
        f'"""Generated by tests/generated: {d.key}"""', "", "import keras", "",
        f"T, B, H, F, E, V, C = {d.steps}, {B}, {h}, {F}, {e}, {V}, {C}", "", "",
        "def build():", *["    " + x for x in lines], ""])
    return source, truth
