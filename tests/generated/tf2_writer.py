"""Write a TF2-native hand-written RNN program from a `Description`, with its ground truth.

The cell is written out (RNN, GRU, LSTM equations) over its own variables, in one of three
layouts (`d.variables`): `fused` (one `[in + H, k·H]` kernel on `concat([x, h])`; a GRU has
one for its gates, one for its candidate), `split` (the same kernels read as two row slices,
`x @ W[:-H] + h @ W[-H:]`, not on a concat), `wu` (`W [in, k·H]` and `U [H, k·H]`; a GRU with
the reset gate after `U`, as Keras' default) or `gates` (`W_g`, `U_g`, `b_g` per gate).

The loop (`d.loop`):
- `module_loop`: a `tf.Module` whose `@tf.function __call__` steps `for t in range(T)` (an
  unrolled graph, steps 0..T-1);
- `autograph_loop`: the same over `for t in tf.range(T)`, outputs in a `tf.TensorArray`
  (AutoGraph writes a while loop: steps `dynamic`);
- `scan`: `tf.scan` of the step over the time-major sequence (`dynamic`);
- `keras_layer_loop`: a custom `keras.layers.Layer` that makes its weights in `build` and
  steps `for t in range(T)` in `call` (tf ops, or `keras.ops` with the `keras_ops` extra),
  inside a functional or a subclassed Keras model.

Sharing (`d.stack`): `separate` layers; `tied`, one cell object run as both layers (one set
of weights, `shared_across_layers`); `per_step`, a new cell made for every step (a sharing
bug by construction: `duplicated_across_steps`, and the first step's recurrent matrices only
ever multiply the zero state: `dead_weight`).

Loaded as users hand such programs to rnninspect (docs/models.md "Your own models",
`d.copies`): `signature` (the module or model and `[tf.TensorSpec]`), `concrete` (a
ConcreteFunction of the module's `__call__`) or `functional` (a built Keras model).
"""

from __future__ import annotations

from tests.generated.description import Description
from tests.generated.facts import Truth, Weight, steps_of

B, F, V, C = 2, 3, 12, 3

_GATES = {"rnn": "h", "gru": "zrc", "lstm": "ifgo"}
_WIDTH = {"rnn": 1, "gru": 3, "lstm": 4}


# A dimension of a weight's shape as (times in_dim, times H): in_dim + H is (1, 1).
Dim = tuple[int, int]


def _layout(d: Description) -> list[tuple[str, tuple[Dim, ...], str]]:
    """(own name, shape, role) of one cell's variables in the description's layout."""
    k = _WIDTH[d.cell]
    if d.variables in ("fused", "split"):
        if d.cell == "gru":
            return [("W_g", ((1, 1), (0, 2)), "input_hidden_fused"), ("b_g", ((0, 2),), "bias"),
                    ("W_c", ((1, 1), (0, 1)), "input_hidden_fused"), ("b_c", ((0, 1),), "bias")]
        return [("W", ((1, 1), (0, k)), "input_hidden_fused"), ("b", ((0, k),), "bias")]
    if d.variables == "wu":
        return [("W", ((1, 0), (0, k)), "input_to_hidden"),
                ("U", ((0, 1), (0, k)), "hidden_to_hidden"), ("b", ((0, k),), "bias")]
    return [w for g in _GATES[d.cell] for w in (
        (f"W_{g}", ((1, 0), (0, 1)), "input_to_hidden"),
        (f"U_{g}", ((0, 1), (0, 1)), "hidden_to_hidden"), (f"b_{g}", ((0, 1),), "bias"))]


def cell_weights(d: Description, scope: str, in_dim: int, h: int
                 ) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape, role) of one cell's variables, each named `scope + own name`."""
    return [(scope + name, tuple(a * in_dim + b * h for a, b in shape), role)
            for name, shape, role in _layout(d)]


def _shape_source(shape: tuple[Dim, ...]) -> str:
    """`in_dim + H`, `4 * H`, ... as the cell's source writes them."""
    def one(a: int, b: int) -> str:
        h = "" if not b else "H" if b == 1 else f"{b} * H"
        return " + ".join(x for x in ("in_dim" if a else "", h) if x)
    return ", ".join(one(a, b) for a, b in shape)


def _dead_at_first_step(d: Description, name: str) -> bool:
    """Whether a per-step cell's variable multiplies only the zero state at step 0: every
    recurrent matrix of the `wu` and `gates` layouts (a GRU's `U_c` multiplies `r * 0`)."""
    return d.variables != "fused" and name.rsplit("/", 1)[-1].startswith("U")


# The step of each cell and layout: reads `x` and the state tuple `s`, returns (h, state).
_STEP = {
    ("rnn", "fused"): ["h = tf.tanh(tf.matmul(tf.concat([x, s[0]], axis=1), W) + b)",
                       "return h, (h,)"],
    ("rnn", "wu"): ["h = tf.tanh(tf.matmul(x, W) + tf.matmul(s[0], U) + b)", "return h, (h,)"],
    ("lstm", "fused"): ["z = tf.matmul(tf.concat([x, s[0]], axis=1), W) + b",
                        "i, f, g, o = tf.split(z, 4, axis=1)",
                        "c = tf.sigmoid(f) * s[1] + tf.sigmoid(i) * tf.tanh(g)",
                        "h = tf.sigmoid(o) * tf.tanh(c)", "return h, (h, c)"],
    ("lstm", "wu"): ["z = tf.matmul(x, W) + tf.matmul(s[0], U) + b",
                     "i, f, g, o = tf.split(z, 4, axis=1)",
                     "c = tf.sigmoid(f) * s[1] + tf.sigmoid(i) * tf.tanh(g)",
                     "h = tf.sigmoid(o) * tf.tanh(c)", "return h, (h, c)"],
    ("lstm", "gates"): ["i = tf.sigmoid(tf.matmul(x, W_i) + tf.matmul(s[0], U_i) + b_i)",
                        "f = tf.sigmoid(tf.matmul(x, W_f) + tf.matmul(s[0], U_f) + b_f)",
                        "g = tf.tanh(tf.matmul(x, W_g) + tf.matmul(s[0], U_g) + b_g)",
                        "o = tf.sigmoid(tf.matmul(x, W_o) + tf.matmul(s[0], U_o) + b_o)",
                        "c = f * s[1] + i * g", "h = o * tf.tanh(c)", "return h, (h, c)"],
    ("gru", "fused"): ["z, r = tf.split(tf.sigmoid(tf.matmul(tf.concat([x, s[0]], axis=1), W_g)"
                       " + b_g), 2, axis=1)",
                       "n = tf.tanh(tf.matmul(tf.concat([x, r * s[0]], axis=1), W_c) + b_c)",
                       "h = z * s[0] + (1 - z) * n", "return h, (h,)"],
    ("rnn", "split"): ["h = tf.tanh(tf.matmul(x, W[:-H]) + tf.matmul(s[0], W[-H:]) + b)",
                       "return h, (h,)"],
    ("lstm", "split"): ["z = tf.matmul(x, W[:-H]) + tf.matmul(s[0], W[-H:]) + b",
                        "i, f, g, o = tf.split(z, 4, axis=1)",
                        "c = tf.sigmoid(f) * s[1] + tf.sigmoid(i) * tf.tanh(g)",
                        "h = tf.sigmoid(o) * tf.tanh(c)", "return h, (h, c)"],
    ("gru", "split"): ["z, r = tf.split(tf.sigmoid(tf.matmul(x, W_g[:-H])"
                       " + tf.matmul(s[0], W_g[-H:]) + b_g), 2, axis=1)",
                       "n = tf.tanh(tf.matmul(x, W_c[:-H]) + tf.matmul(r * s[0], W_c[-H:]) + b_c)",
                       "h = z * s[0] + (1 - z) * n", "return h, (h,)"],
    ("gru", "wu"): ["xz, xr, xn = tf.split(tf.matmul(x, W) + b, 3, axis=1)",
                    "hz, hr, hn = tf.split(tf.matmul(s[0], U), 3, axis=1)",
                    "z, r = tf.sigmoid(xz + hz), tf.sigmoid(xr + hr)",
                    "n = tf.tanh(xn + r * hn)", "h = z * s[0] + (1 - z) * n", "return h, (h,)"],
    ("gru", "gates"): ["z = tf.sigmoid(tf.matmul(x, W_z) + tf.matmul(s[0], U_z) + b_z)",
                       "r = tf.sigmoid(tf.matmul(x, W_r) + tf.matmul(s[0], U_r) + b_r)",
                       "n = tf.tanh(tf.matmul(x, W_c) + tf.matmul(r * s[0], U_c) + b_c)",
                       "h = z * s[0] + (1 - z) * n", "return h, (h,)"],
}

# keras.ops spellings of the tf ops the steps use (`keras_ops` extra)
_KERAS_OPS = [("tf.matmul(", "ops.matmul("), ("tf.concat(", "ops.concatenate("),
              ("tf.split(", "ops.split("), ("tf.sigmoid(", "ops.sigmoid("),
              ("tf.tanh(", "ops.tanh("), ("tf.stack(", "ops.stack("),
              ("tf.zeros(", "ops.zeros(")]


def _step_source(d: Description) -> list[str]:
    """The cell's step, its variables read as `self.NAME` (written unqualified above)."""
    names = [n for n, _, _ in _layout(d)]
    lines = []
    for line in _STEP[(d.cell, d.variables)]:
        for n in sorted(names, key=len, reverse=True):  # W_g before W
            line = _replace_word(line, n, "self." + n)
        lines.append(line)
    return lines


def _replace_word(line: str, word: str, by: str) -> str:
    out, i = [], 0
    while i < len(line):
        if (line.startswith(word, i) and (i == 0 or not (line[i - 1].isalnum()
                                                         or line[i - 1] in "_."))
                and not (line[i + len(word):i + len(word) + 1].isalnum()
                         or line[i + len(word):i + len(word) + 1] == "_")):
            out.append(by)
            i += len(word)
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def _arity(d: Description) -> int:
    return 2 if d.cell == "lstm" else 1


def write_tf2(d: Description) -> tuple[str, Truth]:
    dynamic = d.loop in ("autograph_loop", "scan")
    keras_layer = d.loop == "keras_layer_loop"
    truth = Truth(num_steps=None if dynamic else d.steps)
    steps = steps_of(d.steps, dynamic)
    h = d.hidden
    tied = d.stack == "tied"
    e = h if tied else h + 1  # a tied cell reads its own output: its input is H wide
    root = "gen/" if keras_layer and d.copies == "signature" else ""

    # inputs: the truth of what comes before the recurrence
    in_dim = F
    if d.inputs == "embedding":
        truth.add(Weight(root + ("embed/embeddings" if keras_layer else "embedding"), (V, e),
                         "embedding"))
        in_dim = e
    if d.inputs in ("dense_tanh", "linear"):
        kernel = truth.add(Weight(root + ("proj/kernel" if keras_layer else "w_in"), (F, e),
                                  "input_to_hidden"))
        truth.add(Weight(root + ("proj/bias" if keras_layer else "b_in"), (e,), "bias"))
        in_dim = e
        # a linear projection composes with the cell's input rows, so it adds nothing —
        # unless the cell is tied: its input rows also read the layer below, and layer 0's
        # input must be H wide for them
        if d.inputs == "linear" and not tied:
            truth.findings["redundant_projection"] = [kernel]

    # the cells
    cell_names: list[str] = []
    scopes = (["rnn0"] if tied else [f"rnn{i}" for i in range(d.layers)]) if keras_layer else \
        (["cell0"] if tied else [f"cell{i}" for i in range(d.layers)])
    for i, scope in enumerate(scopes):
        dim = in_dim if i == 0 else h
        if d.stack == "per_step":
            for t in range(d.steps):
                for name, shape, role in cell_weights(d, f"{scope}_t{t}/", dim, h):
                    cell_names.append(truth.add(Weight(name, shape, role, f"cell{i}", i, [t])))
                    if t == 0 and _dead_at_first_step(d, name):
                        truth.findings.setdefault("dead_weight", []).append(name)
            continue
        for name, shape, role in cell_weights(d, f"{root}{scope}/", dim, h):
            cell_names.append(truth.add(Weight(name, shape, role, f"cell{i}", i, steps)))
    if tied:
        truth.findings["shared_across_layers"] = list(cell_names)
        truth.cells = truth.layers = d.layers
    if d.stack == "per_step":
        truth.findings["duplicated_across_steps"] = list(cell_names)

    # the head
    if d.head != "none":
        head_steps = "dynamic" if d.head == "step" and dynamic else []
        prefix = root + "head/" if keras_layer else ""
        truth.add(Weight(prefix + ("kernel" if keras_layer else "w_out"), (h, C),
                         "hidden_to_output", steps=head_steps))
        truth.add(Weight(prefix + ("bias" if keras_layer else "b_out"), (C,), "bias",
                         steps=head_steps))

    source = _keras_source(d, e) if keras_layer else _module_source(d, e)
    return source, truth


def _header(d: Description, e: int) -> list[str]:
    return [f'"""Generated by tests/generated: {d.key}"""', "",
            *(["import keras"] if d.loop == "keras_layer_loop" else []),
            *(["from keras import ops"] if "keras_ops" in d.extras else []),
            "import tensorflow as tf", "",
            f"T, B, H, F, E, V, C = {d.steps}, {B}, {d.hidden}, {F}, {e}, {V}, {C}", ""]


def _spec(d: Description) -> str:
    if d.inputs == "embedding":
        return "tf.TensorSpec([B, T], tf.int32)"
    return "tf.TensorSpec([B, T, F], tf.float32)"


def _init(d: Description, layers: int) -> str:
    one = "(" + ", ".join(["tf.zeros([B, H])"] * _arity(d)) + ",)"
    return "(" + ", ".join([one] * layers) + ",)"


def _module_source(d: Description, e: int) -> str:
    """A tf.Module with a Cell(tf.Module) per layer (or per layer and step)."""
    cell = ["class Cell(tf.Module):", "    def __init__(self, name, in_dim):",
            "        super().__init__(name=name)"]
    for n, shape, _ in _layout(d):
        cell.append(f"        self.{n} = tf.Variable(tf.random.normal([{_shape_source(shape)}], "
                    f'stddev=0.1), name=f"{{name}}/{n}")')
    cell += ["", "    def __call__(self, x, s):", *["        " + x for x in _step_source(d)]]

    layers = d.layers
    init = []
    if d.inputs == "embedding":
        init.append('        self.embedding = tf.Variable(tf.random.normal([V, E], stddev=0.1), '
                    'name="embedding")')
    if d.inputs in ("dense_tanh", "linear"):
        init += ['        self.w_in = tf.Variable(tf.random.normal([F, E], stddev=0.1), '
                 'name="w_in")', '        self.b_in = tf.Variable(tf.zeros([E]), name="b_in")']
    dims = "[E if i == 0 else H for i in range(L)]" if d.inputs != "raw" else \
        "[F if i == 0 else H for i in range(L)]"
    if d.stack == "tied":
        init.append('        self.cells = [Cell("cell0", H)] * L  # one cell, run as every layer')
    elif d.stack == "per_step":
        init.append(f'        self.cells = [[Cell(f"cell{{i}}_t{{t}}", d) for i, d in '
                    f'enumerate({dims})] for t in range(T)]  # a new cell at every step')
    else:
        init.append(f'        self.cells = [Cell(f"cell{{i}}", d) for i, d in '
                    f'enumerate({dims})]')
    if d.head != "none":
        init += ['        self.w_out = tf.Variable(tf.random.normal([H, C], stddev=0.1), '
                 'name="w_out")', '        self.b_out = tf.Variable(tf.zeros([C]), name="b_out")']

    call = ["    @tf.function", "    def __call__(self, x):"]
    if d.inputs == "embedding":
        call.append("        x = tf.gather(self.embedding, x)")
    if d.inputs in ("dense_tanh", "linear"):
        act = "tf.tanh" if d.inputs == "dense_tanh" else ""
        call.append(f"        x = {act}(tf.matmul(x, self.w_in) + self.b_in)")
    head_step = "tf.matmul(inp, self.w_out) + self.b_out" if d.head == "step" else "inp"
    cells = "self.cells[t]" if d.stack == "per_step" else "self.cells"
    stack = [f"for i, cell in enumerate({cells}):", "    inp, state = cell(inp, states[i])",
             "    new.append(state)", "states = tuple(new)"]
    if d.loop == "module_loop":
        call += [f"        states = {_init(d, layers)}", "        outputs = []",
                 "        for t in range(T):", "            inp, new = x[:, t, :], []",
                 *["            " + s for s in stack], f"            outputs.append({head_step})",
                 "        seq = tf.stack(outputs, axis=1)", "        top = outputs[-1]"]
    elif d.loop == "autograph_loop":
        call += [f"        states = {_init(d, layers)}",
                 "        out = tf.TensorArray(tf.float32, size=T)",
                 "        for t in tf.range(T):", "            inp, new = x[:, t, :], []",
                 *["            " + s for s in stack],
                 f"            out = out.write(t, {head_step})",
                 "        seq = tf.transpose(out.stack(), [1, 0, 2])",
                 "        top = seq[:, -1, :]"]
    else:  # scan
        keep = ", tf.matmul(inp, self.w_out) + self.b_out" if d.head == "step" else ""
        call += ["        def step(carry, x_t):",
                 "            states, inp, new = carry[0], x_t, []",
                 *["            " + s for s in stack], f"            return states, inp{keep}", "",
                 f"        first = ({_init(d, layers)}, tf.zeros([B, H])"
                 + (", tf.zeros([B, C]))" if d.head == "step" else ")"),
                 "        scanned = tf.scan(step, tf.transpose(x, [1, 0, 2]), initializer=first)",
                 "        seq = tf.transpose(scanned[" + ("2" if d.head == "step" else "1")
                 + "], [1, 0, 2])", "        top = scanned[1][-1]"]
    if d.head == "last":
        call.append("        return tf.matmul(top, self.w_out) + self.b_out")
    elif d.head == "every":
        call.append("        return tf.matmul(seq, self.w_out) + self.b_out")
    elif d.head == "step":
        call.append("        return seq")
    else:
        call.append("        return top")

    if d.copies == "concrete":
        build = ["_kept = []  # the module behind the ConcreteFunction's variables stays alive",
                 "", "", "def build():", "    model = Model()", "    _kept.append(model)",
                 f"    return model.__call__.get_concrete_function({_spec(d)})"]
    else:
        build = ["def build():", f"    return Model(), [{_spec(d)}]"]
    return "\n".join([
        *_header(d, e), f"L = {layers}", "", "", *cell, "", "",
        "class Model(tf.Module):", "    def __init__(self):",
        '        super().__init__(name="gen")', *init, "", *call, "", "", *build, ""])


def _keras_source(d: Description, e: int) -> str:
    """A keras.layers.Layer whose build makes the weights and whose call loops over time."""
    lines = ["class LoopRNN(keras.layers.Layer):", "    def build(self, input_shape):",
             "        in_dim = input_shape[-1]"]
    for n, shape, _ in _layout(d):
        dims = _shape_source(shape)
        init = "zeros" if n.startswith("b") else "glorot_uniform"
        lines.append(f'        self.{n} = self.add_weight(name="{n}", shape=({dims},), '
                     f'initializer="{init}")')
    lines += ["", "    def step(self, x, s):", *["        " + x for x in _step_source(d)], "",
              "    def call(self, inputs):",
              f"        s = ({', '.join(['tf.zeros([B, H])'] * _arity(d))},)",
              "        outputs = []", "        for t in range(T):",
              "            h, s = self.step(inputs[:, t, :], s)", "            outputs.append(h)",
              "        return tf.stack(outputs, axis=1)"]
    if "keras_ops" in d.extras:
        text = "\n".join(lines)
        for old, new in _KERAS_OPS:
            text = text.replace(old, new)
        lines = text.split("\n")

    made = []  # (attribute, constructor) of each layer, in order
    if d.inputs == "embedding":
        made.append(("embed", 'keras.layers.Embedding(V, E, name="embed")'))
    if d.inputs in ("dense_tanh", "linear"):
        act = ', activation="tanh"' if d.inputs == "dense_tanh" else ""
        made.append(("proj", f'keras.layers.Dense(E{act}, name="proj")'))
    rnns = 1 if d.stack == "tied" else d.layers  # tied: one layer object run as every layer
    made += [(f"rnn{i}", f'LoopRNN(name="rnn{i}")') for i in range(rnns)]
    if d.head != "none":
        made.append(("head", 'keras.layers.Dense(C, name="head")'))
    order = [a for a, _ in made if not a.startswith(("rnn", "head"))]
    order += ["rnn0"] * d.layers if d.stack == "tied" else [f"rnn{i}" for i in range(rnns)]
    apply = [f"y = {{}}{a}(y)" for a in order]
    if d.head == "last":
        apply.append("y = y[:, -1, :]")
    if d.head != "none":
        apply.append("y = {}head(y)")
    if d.copies == "signature":
        body = ["class Gen(keras.Model):", "    def __init__(self):",
                '        super().__init__(name="gen")',
                *[f"        self.{a} = {make}" for a, make in made], "",
                "    def call(self, x):", "        y = x",
                *["        " + a.format("self.") for a in apply], "        return y", "", "",
                "def build():", "    model = Gen()",
                "    model(tf.zeros([B, T], tf.int32))" if d.inputs == "embedding"
                else "    model(tf.zeros([B, T, F]))", f"    return model, [{_spec(d)}]"]
    else:
        dtype = ', dtype="int32"' if d.inputs == "embedding" else ""
        shape = "(T,)" if d.inputs == "embedding" else "(T, F)"
        body = ["def build():", f'    x = keras.Input({shape}, batch_size=B{dtype}, name="x")',
                *[f"    {a} = {make}" for a, make in made], "    y = x",
                *["    " + a.format("") for a in apply], '    return keras.Model(x, y, name="gen")']
    return "\n".join([*_header(d, e), "", *lines, "", "", *body, ""])
