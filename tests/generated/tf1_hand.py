"""Hand-written TF1 cells: their variables (with roles) and the source of their cell
function and of the loop around it (a Python loop, `tf.while_loop` or `tf.scan`), all layers
of a stack stepped together inside the one loop."""

from __future__ import annotations

from tests.generated.description import Description


def hand_weights(cell: str, scope: str, in_dim: int, h: int) -> list[tuple[str, tuple[int, ...],
                                                                           str]]:
    """(name, shape, role) of one hand-written cell's variables under `scope`."""
    if cell == "hand_rnn":
        return [(scope + "W", (in_dim, h), "input_to_hidden"),
                (scope + "U", (h, h), "hidden_to_hidden"), (scope + "b", (h,), "bias")]
    if cell in ("hand_rnn_fused", "hand_lstm_fused"):
        width = h if cell == "hand_rnn_fused" else 4 * h
        return [(scope + "W", (in_dim + h, width), "input_hidden_fused"),
                (scope + "b", (width,), "bias")]
    if cell == "hand_lstm_gates":
        return [w for g in "ifoc" for w in (
            (scope + f"W_x{g}", (in_dim, h), "input_to_hidden"),
            (scope + f"W_h{g}", (h, h), "hidden_to_hidden"), (scope + f"b_{g}", (h,), "bias"))]
    return [w for g in "zrc" for w in (  # hand_gru_gates
        (scope + f"W_{g}", (in_dim, h), "input_to_hidden"),
        (scope + f"U_{g}", (h, h), "hidden_to_hidden"), (scope + f"b_{g}", (h,), "bias"))]


_HAND_STEP = {
    "hand_rnn": """\
    h = tf.tanh(tf.matmul(x, p["W"]) + tf.matmul(s[0], p["U"]) + p["b"])
    return (h,)""",
    "hand_rnn_fused": """\
    h = tf.tanh(tf.matmul(tf.concat([x, s[0]], 1), p["W"]) + p["b"])
    return (h,)""",
    "hand_lstm_fused": """\
    z = tf.matmul(tf.concat([x, s[0]], 1), p["W"]) + p["b"]
    i, j, f, o = tf.split(z, 4, 1)
    c = tf.sigmoid(f) * s[1] + tf.sigmoid(i) * tf.tanh(j)
    return (tf.sigmoid(o) * tf.tanh(c), c)""",
    "hand_lstm_gates": """\
    def gate(g, act):
        return act(tf.matmul(x, p["W_x" + g]) + tf.matmul(s[0], p["W_h" + g]) + p["b_" + g])

    i, f, o = gate("i", tf.sigmoid), gate("f", tf.sigmoid), gate("o", tf.sigmoid)
    c = f * s[1] + i * gate("c", tf.tanh)
    return (o * tf.tanh(c), c)""",
    "hand_gru_gates": """\
    h = s[0]
    z = tf.sigmoid(tf.matmul(x, p["W_z"]) + tf.matmul(h, p["U_z"]) + p["b_z"])
    r = tf.sigmoid(tf.matmul(x, p["W_r"]) + tf.matmul(h, p["U_r"]) + p["b_r"])
    hh = tf.tanh(tf.matmul(x, p["W_c"]) + tf.matmul(r * h, p["U_c"]) + p["b_c"])
    return ((1 - z) * h + z * hh,)""",
}


def hand_cell(d: Description) -> list[str]:
    if d.variables == "variable":
        make = ["def var(name, shape):",
                "    return tf.Variable(tf1.random_normal(shape, stddev=0.1), name=name)", "", "",
                "def params(i, in_dim):", '    with tf1.name_scope(f"cell{i}"):']
    else:
        reuse = ", reuse=tf1.AUTO_REUSE" if d.variables == "get_variable_reuse" else ""
        make = ["def var(name, shape):", "    return tf1.get_variable(name, shape)", "", "",
                "def params(i, in_dim):", f'    with tf1.variable_scope(f"cell{{i}}"{reuse}):']
    # the shapes as source text: hand_weights with symbolic sizes
    entries = [f'"{name}": var("{name}", {_shape_text(d.cell, name)})'
               for name, _, _ in hand_weights(d.cell, "", 0, 0)]
    make.append("        return {" + ", ".join(entries) + "}")
    return [*make, "", "", "def step(p, x, s):", _HAND_STEP[d.cell], "", ""]


def _shape_text(cell: str, name: str) -> str:
    if cell in ("hand_rnn_fused", "hand_lstm_fused"):
        width = "H" if cell == "hand_rnn_fused" else "4 * H"
        return f"[in_dim + H, {width}]" if name == "W" else f"[{width}]"
    if name.startswith("b"):
        return "[H]"
    return "[H, H]" if name.startswith(("U", "W_h")) else "[in_dim, H]"


def hand_loop(d: Description) -> list[str]:
    arity = 2 if "lstm" in d.cell else 1
    init = f"tuple(tuple(tf.zeros([B, H]) for _ in range({arity})) for _ in range({d.layers}))"
    layers = [f"for i in range({d.layers}):", "    s = step(P[i], inp, states[i])",
              "    new.append(s)", "    inp = s[0]"]
    make = f"P = [params(i, DIMS[i]) for i in range({d.layers})]"
    if d.loop == "hand_loop":
        reuse = d.variables == "get_variable_reuse"  # variables made again at every step
        return ([] if reuse else [make]) + [
            f"states = {init}", "outputs = []", "for t in range(T):",
            *(["    " + make] if reuse else []),
            "    inp, new = x[:, t, :], []", *["    " + s for s in layers],
            "    states = tuple(new)", "    outputs.append(inp)", "top = outputs[-1]"]
    if d.loop == "while_loop":
        return [make, "xs = tf1.TensorArray(tf.float32, size=T).unstack("
                "tf.transpose(x, [1, 0, 2]))", "", "def body(t, states, out):",
                "    inp, new = xs.read(t), []", *["    " + s for s in layers],
                "    return t + 1, tuple(new), out.write(t, inp)", "",
                "_, final, out = tf.while_loop(lambda t, *_: t < T, body, "
                f"(tf.constant(0), {init}, tf1.TensorArray(tf.float32, size=T)))",
                "seq = tf.transpose(out.stack(), [1, 0, 2])", "top = final[-1][0]"]
    return [make, "", "def fn(states, x_t):", "    inp, new = x_t, []",
            *["    " + s for s in layers], "    return tuple(new)", "",
            f"scanned = tf.scan(fn, tf.transpose(x, [1, 0, 2]), initializer={init})",
            "seq = tf.transpose(scanned[-1][0], [1, 0, 2])", "top = scanned[-1][0][-1]"]
