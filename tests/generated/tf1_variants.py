"""Write a TF1 program around a hand-written LSTM cell variant, with its ground truth.

The cell is an `RNNCell` subclass whose `__call__` computes one `concat([x, h]) @ W` split into
its gates, as people publish their variants (R2RT's layer-normalized cell, Graves' peepholes,
the coupled input/forget gate of Greff et al.'s "LSTM: A Search Space Odyssey"). The
variants (`d.extras`, any subset):
- `ln`: a layer norm with a gain and a shift per gate pre-activation and on the new c before
  its tanh (no bias then, as R2RT);
- `peephole`: diagonal vectors multiplying the previous c (into i and f) and the new c (o);
- `coupled`: no forget-gate columns, f = 1 - i;
- `cell_clip`: the new c clipped (before the o peephole reads it, as `LSTMCell` does);
- `proj`: the output projected to H - 1 units by a matrix `P` (`num_proj`), `proj_clip` also
  clips the projection;
- `highway`: a gate `t = sigmoid(concat([x, h]) @ W_t + b_t)` mixes the cell's output with
  its input, `t * m + (1 - t) * x`, and that is the state carried;
- `residual`: the layer outputs `m + x`, the state carried is `m`.

Run by `static_rnn` (`variants_static`), `dynamic_rnn` (`variants_dynamic`), or `raw_rnn`
with a `loop_fn` (`raw_rnn`): the next input read from a `TensorArray` (the TF docs'
example), or, with `d.feedback == "matmul"`, a decoder that looks up the embedding of its own
argmax `h @ W + b` (ematvey's seq2seq tutorial) and projects the emitted outputs with the
same `W`, `b`; with `d.feedback == "project"`, a decoder whose next input is that projection
itself. `raw_rnn` runs one to three layers (a `MultiRNNCell`): the prediction of the top
layer re-enters layer 0.

Truth by construction (docs/analysis.md §10, tests/models/real/README.md): `W` multiplies
`concat([x, h_{t-1}])` (fused), so does `W_t`; the shifts and biases are added (`bias`); a
gain rescales a normalized value and connects nothing (`other`); a peephole multiplies the
carried c (`hidden_to_hidden`); `P` makes the carried h from the cell's output
(`hidden_to_hidden`, as `LSTMCell(num_proj)`'s). A fed-back `W` is the output layer.
"""

from __future__ import annotations

from tests.generated.description import Description
from tests.generated.facts import Truth, Weight, steps_of
from tests.generated.tf1_writer import training_lines

B, V, C, EOS = 2, 7, 3, 1
VARIANT_LOOPS = ("variants_static", "variants_dynamic", "raw_rnn")
VARIANTS = ("ln", "peephole", "coupled", "cell_clip", "proj", "proj_clip", "highway",
            "residual")
_CELL = "VariantLSTMCell"


def _gates(d: Description) -> str:
    return "ijo" if "coupled" in d.extras else "ijfo"


def _out(d: Description) -> int:
    return d.hidden - 1 if "proj" in d.extras else d.hidden


def _in_dim(d: Description) -> int:
    """The first layer's input width: the output width where the input is added to it."""
    return _out(d) if {"highway", "residual"} & set(d.extras) else 3


def cell_weights(d: Description, scope: str, in_dim: int
                 ) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape, role) of one variant cell's variables under `scope`."""
    h, out, gates, s = d.hidden, _out(d), _gates(d), scope + _CELL + "/"
    ln = "ln" in d.extras
    weights = [(s + "W", (in_dim + out, len(gates) * h), "input_hidden_fused")]
    if not ln:
        weights.append((s + "b", (len(gates) * h,), "bias"))
    if "peephole" in d.extras:
        weights += [(s + f"p_{g}", (h,), "hidden_to_hidden") for g in gates if g != "j"]
    if ln:
        weights += [w for g in [*gates, "c"] for w in (
            (s + f"ln_{g}/gain", (h,), "other"), (s + f"ln_{g}/shift", (h,), "bias"))]
    if "proj" in d.extras:
        weights.append((s + "P", (h, out), "hidden_to_hidden"))
    if "highway" in d.extras:
        weights += [(s + "W_t", (in_dim + out, out), "input_hidden_fused"),
                    (s + "b_t", (out,), "bias")]
    return weights


def _cell_source(d: Description) -> list[str]:
    v, gates = set(d.extras), _gates(d)
    k = len(gates)
    lines = [
        "def ln(t, name):",
        "    with tf1.variable_scope(name):",
        '        gain = tf1.get_variable("gain", [t.shape[1]], '
        "initializer=tf1.ones_initializer())",
        '        shift = tf1.get_variable("shift", [t.shape[1]], '
        "initializer=tf1.zeros_initializer())",
        "    m, var = tf.nn.moments(t, [1], keepdims=True)",
        "    return (t - m) / tf.sqrt(var + 1e-5) * gain + shift", "", "",
        f"class {_CELL}(tf1.nn.rnn_cell.RNNCell):",
        "    @property", "    def state_size(self):",
        "        return tf1.nn.rnn_cell.LSTMStateTuple(H, OUT)", "",
        "    @property", "    def output_size(self):", "        return OUT", "",
        "    def __call__(self, inputs, state, scope=None):",
        f'        with tf1.variable_scope(scope or "{_CELL}"):',
        "            c, h = state", "            xh = tf.concat([inputs, h], 1)",
        '            W = tf1.get_variable("W", [inputs.shape[1] + OUT, ' f'{k} * H])',
    ]
    body = ["z = tf.matmul(xh, W)"]
    if "ln" not in v:
        body = [f'b = tf1.get_variable("b", [{k} * H], initializer=tf1.zeros_initializer())',
                "z = tf.matmul(xh, W) + b"]
    body.append(f"{', '.join(gates)} = tf.split(z, {k}, 1)")
    if "peephole" in v:
        body += [f'p_{g} = tf1.get_variable("p_{g}", [H])' for g in gates if g != "j"]
        body += [f"{g} = {g} + p_{g} * c" for g in gates if g in "if"]
    if "ln" in v:
        body += [f'{g} = ln({g}, "ln_{g}")' for g in gates if g != "o"]
    forget = "1.0 - tf.sigmoid(i)" if "coupled" in v else "tf.sigmoid(f + 1.0)"
    body.append(f"new_c = ({forget}) * c + tf.sigmoid(i) * tf.tanh(j)")
    if "cell_clip" in v:
        body.append("new_c = tf.clip_by_value(new_c, -3.0, 3.0)")
    if "peephole" in v:
        body.append("o = o + p_o * new_c")
    if "ln" in v:
        body += ['o = ln(o, "ln_o")', 'm = tf.sigmoid(o) * tf.tanh(ln(new_c, "ln_c"))']
    else:
        body.append("m = tf.sigmoid(o) * tf.tanh(new_c)")
    if "proj" in v:
        body += ['P = tf1.get_variable("P", [H, OUT])', "m = tf.matmul(m, P)"]
        if "proj_clip" in v:
            body.append("m = tf.clip_by_value(m, -3.0, 3.0)")
    if "highway" in v:
        body += ['W_t = tf1.get_variable("W_t", [inputs.shape[1] + OUT, OUT])',
                 'b_t = tf1.get_variable("b_t", [OUT], initializer=tf1.zeros_initializer())',
                 "gate = tf.sigmoid(tf.matmul(xh, W_t) + b_t)",
                 "m = gate * m + (1.0 - gate) * inputs"]
    out = "m + inputs" if "residual" in v else "m"
    body.append(f"return {out}, tf1.nn.rnn_cell.LSTMStateTuple(new_c, m)")
    return [*lines, *["            " + line for line in body], "", ""]


def _loop_source(d: Description) -> list[str]:
    """Leaves `outputs` (a list of T [B, OUT], static) or `seq` ([B, T, OUT]) and `top`."""
    n = d.layers
    if d.loop == "raw_rnn":
        cell = (f"tf1.nn.rnn_cell.MultiRNNCell([{_CELL}() for _ in range({n})])" if n > 1
                else f"{_CELL}()")
        lines = [f"cell = {cell}"]
        if d.feedback == "matmul":  # a decoder fed the embedding of its own argmax
            lines += ['embedding = tf1.get_variable("embedding", [V, IN])',
                      'W = tf1.get_variable("W", [OUT, V])', 'b = tf1.get_variable("b", [V])',
                      "first = tf1.nn.embedding_lookup(embedding, tf.fill([B], EOS))", "",
                      "def next_input(time, output):",
                      "    def predicted():",
                      "        ids = tf.argmax(tf.matmul(output, W) + b, axis=1)",
                      "        return tf1.nn.embedding_lookup(embedding, ids)",
                      "    return tf.cond(time >= T, lambda: tf.zeros([B, IN]), predicted)"]
        elif d.feedback == "project":  # a decoder fed its projected output itself
            lines += ['W = tf1.get_variable("W", [OUT, IN])', 'b = tf1.get_variable("b", [IN])',
                      'first = tf1.placeholder(tf.float32, [B, IN], name="x0")', "",
                      "def next_input(time, output):",
                      "    return tf.cond(time >= T, lambda: tf.zeros([B, IN]), "
                      "lambda: tf.matmul(output, W) + b)"]
        else:  # the TF docs' example: the next input read from a TensorArray
            lines += ['x = tf1.placeholder(tf.float32, [B, T, IN], name="x")',
                      "xs = tf1.TensorArray(tf.float32, size=T).unstack("
                      "tf.transpose(x, [1, 0, 2]))", "first = xs.read(0)", "",
                      "def next_input(time, output):",
                      "    return tf.cond(time >= T, lambda: tf.zeros([B, IN]), "
                      "lambda: xs.read(tf.minimum(time, T - 1)))"]
        return [*lines, "",
                "def loop_fn(time, output, state, loop_state):",
                "    if output is None:",
                "        return (tf.zeros([B], tf.bool), first, "
                "cell.zero_state(B, tf.float32), None, None)",
                "    return time >= T, next_input(time, output), state, output, None", "",
                'outputs_ta, final, _ = tf1.nn.raw_rnn(cell, loop_fn, scope="rnn")',
                "seq = tf.transpose(outputs_ta.stack(), [1, 0, 2])", "top = seq[:, -1, :]"]
    call, data, result = (("static_rnn", "tf.unstack(x, T, 1)", "outputs")
                          if d.loop == "variants_static" else ("dynamic_rnn", "x", "seq"))
    lines = ['x = tf1.placeholder(tf.float32, [B, T, IN], name="x")']
    if d.stack == "multi":
        cell = f"tf1.nn.rnn_cell.MultiRNNCell([{_CELL}() for _ in range({n})])"
        lines.append(f"{result}, state = tf1.nn.{call}({cell}, {data}, dtype=tf.float32)")
    else:
        lines += [f"{result} = {data}", f"for i in range({n}):",
                  f"    {result}, state = tf1.nn.{call}({_CELL}(), {result}, dtype=tf.float32,"
                  ' scope=f"layer{i}")']
    last = "outputs[-1]" if d.loop == "variants_static" else "seq[:, -1, :]"
    return [*lines, f"top = {last}"]


def _scope(d: Description, i: int) -> str:
    if d.loop == "raw_rnn" or d.stack == "multi":
        return f"rnn/multi_rnn_cell/cell_{i}/" if d.layers > 1 else "rnn/"
    return f"layer{i}/"


def _head(d: Description, truth: Truth) -> list[str]:
    """The loss: a decoder's fed-back `W` again on every emitted output; else `softmax_w` on
    the last output or on every one."""
    if d.feedback == "project":
        return ['targets = tf1.placeholder(tf.float32, [B * T, IN], name="targets")',
                "predictions = tf.matmul(tf.reshape(seq, [-1, OUT]), W) + b",
                "loss = tf.reduce_mean(tf.square(predictions - targets))"]
    if d.feedback == "matmul":
        return ['targets = tf1.placeholder(tf.int32, [B, T], name="targets")',
                "logits = tf.matmul(tf.reshape(seq, [-1, OUT]), W) + b",
                "loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits("
                "labels=tf.reshape(targets, [-1]), logits=logits))"]
    truth.add(Weight("softmax_w", (_out(d), C), "hidden_to_output"))
    truth.add(Weight("softmax_b", (C,), "bias"))
    lines = ['softmax_w = tf1.get_variable("softmax_w", [OUT, C])',
             'softmax_b = tf1.get_variable("softmax_b", [C])']
    if d.head == "every":
        flat = "tf.concat(outputs, 0)" if d.loop == "variants_static" else \
            "tf.reshape(seq, [-1, OUT])"
        return [*lines, 'targets = tf1.placeholder(tf.int32, [B * T], name="targets")',
                f"logits = tf.matmul({flat}, softmax_w) + softmax_b",
                "loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits("
                "labels=targets, logits=logits))"]
    return [*lines, 'labels = tf1.placeholder(tf.int32, [B], name="labels")',
            "logits = tf.matmul(top, softmax_w) + softmax_b",
            "loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits("
            "labels=labels, logits=logits))"]


def write_variants(d: Description) -> tuple[str, Truth]:
    dynamic = d.loop != "variants_static"
    truth = Truth(num_steps=None if dynamic else d.steps)
    steps = steps_of(d.steps, dynamic)
    if d.feedback == "matmul":
        # the embedding is read before the loop and on the prediction inside it: its role is
        # asserted, its placement is not (as tests/models/real/raw_rnn_decoder.py)
        truth.add(Weight("embedding", (V, _in_dim(d)), "embedding", steps=None,
                         layer_asserted=False, cell_asserted=False))
    if d.feedback != "none":  # the output layer, its prediction (or its argmax) fed back
        width = V if d.feedback == "matmul" else _in_dim(d)
        truth.add(Weight("W", (_out(d), width), "hidden_to_output", steps=None))
        truth.add(Weight("b", (width,), "bias", steps=None))
    dims = [_in_dim(d)] + [_out(d)] * (d.layers - 1)
    for i in range(d.layers):
        for name, shape, role in cell_weights(d, _scope(d, i), dims[i]):
            truth.add(Weight(name, shape, role, f"cell{i}", i, steps))
    body = _loop_source(d) + _head(d, truth)
    body += training_lines(d, truth, len(truth.weights))
    consts = (f"T, B, H, OUT, IN, V, C, EOS = {d.steps}, {B}, {d.hidden}, {_out(d)}, "
              f"{_in_dim(d)}, {V}, {C}, {EOS}")
    source = "\n".join([
        f'"""Generated by tests/generated: {d.key}"""', "", "import tensorflow as tf", "",
        "tf1 = tf.compat.v1", consts, "", "", *_cell_source(d),
        "def build():", "    graph = tf.Graph()", "    with graph.as_default():",
        *["        " + line if line else "" for line in body], "    return graph", ""])
    return source, truth
