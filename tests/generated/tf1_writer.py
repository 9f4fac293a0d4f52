"""Write a TF1 (`tf.compat.v1` graph) program from a `Description`, with its ground truth.

The program is one `forward(is_training)` (inputs -> recurrence -> head -> loss, plus the
optimizer when training) and a `build()` that calls it once, or twice as Train and Valid
copies sharing one `variable_scope("Model")`. Each weight the writer puts in the source it
also records, with the role it has there (tests/models/real/README.md conventions).
"""

from __future__ import annotations

from tests.generated.description import Description
from tests.generated.facts import Truth, Weight, steps_of
from tests.generated.tf1_hand import hand_cell, hand_loop, hand_weights

B, F, V, C = 2, 3, 12, 3

# library cell -> (scope name, constructor)
_CELLS = {
    "basic_lstm": ("basic_lstm_cell", "tf1.nn.rnn_cell.BasicLSTMCell(H)"),
    "lstm": ("lstm_cell", "tf1.nn.rnn_cell.LSTMCell(H)"),
    "lstm_peephole": ("lstm_cell", "tf1.nn.rnn_cell.LSTMCell(H, use_peepholes=True)"),
    "lstm_proj": ("lstm_cell", "tf1.nn.rnn_cell.LSTMCell(H, num_proj=P)"),
    "gru": ("gru_cell", "tf1.nn.rnn_cell.GRUCell(H)"),
    "basic_rnn": ("basic_rnn_cell", "tf1.nn.rnn_cell.BasicRNNCell(H)"),
}

_SLOTS = {"none": 0, "sgd": 0, "momentum": 1, "adam": 2, "adagrad": 1, "rmsprop": 2}
_OPTIMIZER = {
    "sgd": "GradientDescentOptimizer(lr)", "momentum": "MomentumOptimizer(lr, 0.9)",
    "adam": "AdamOptimizer(lr)", "adagrad": "AdagradOptimizer(lr)",
    "rmsprop": "RMSPropOptimizer(lr)",
}


def library_weights(cell: str, scope: str, in_dim: int, h: int) -> list[tuple[str, tuple[int, ...],
                                                                              str]]:
    """(name, shape, role) of one library cell's variables under `scope`."""
    s = scope + _CELLS[cell][0] + "/"
    if cell == "gru":
        return [(s + "gates/kernel", (in_dim + h, 2 * h), "input_hidden_fused"),
                (s + "gates/bias", (2 * h,), "bias"),
                (s + "candidate/kernel", (in_dim + h, h), "input_hidden_fused"),
                (s + "candidate/bias", (h,), "bias")]
    if cell == "basic_rnn":
        return [(s + "kernel", (in_dim + h, h), "input_hidden_fused"), (s + "bias", (h,), "bias")]
    out = out_dim(cell, h)
    weights = [(s + "kernel", (in_dim + out, 4 * h), "input_hidden_fused"),
               (s + "bias", (4 * h,), "bias")]
    if cell == "lstm_peephole":
        weights += [(s + f"w_{g}_diag", (h,), "hidden_to_hidden") for g in "fio"]
    if cell == "lstm_proj":
        weights.append((s + "projection/kernel", (h, out), "hidden_to_hidden"))
    return weights


def out_dim(cell: str, h: int) -> int:
    return h - 1 if cell == "lstm_proj" else h


def cell_constructor(cell: str) -> str:
    """The source that makes one library cell of H units (P: its projection width)."""
    return _CELLS[cell][1]


def write_tf1(d: Description) -> tuple[str, Truth]:
    dynamic = d.loop in ("dynamic_rnn", "while_loop", "scan")
    copies = d.copies == "train_eval"
    prefix = "Model/" if copies else ""
    truth = Truth(num_steps=None if dynamic else d.steps)
    steps = steps_of(d.steps, dynamic)
    h = d.hidden
    e = h + 1
    head: list[str] = []
    body: list[str] = []

    # inputs
    if d.inputs == "embedding":
        body += ['ids = tf1.placeholder(tf.int32, [B, T], name="ids")',
                 'embedding = tf1.get_variable("embedding", [V, E])',
                 "x = tf1.nn.embedding_lookup(embedding, ids)"]
        truth.add(Weight(prefix + "embedding", (V, e), "embedding"))
        dims = [e]
    else:
        body.append('x = tf1.placeholder(tf.float32, [B, T, F], name="x")')
        dims = [F]
    if d.inputs in ("dense_tanh", "linear"):
        act = "tf.tanh" if d.inputs == "dense_tanh" else ""
        body += ['w_in = tf1.get_variable("w_in", [F, E])',
                 'b_in = tf1.get_variable("b_in", [E])',
                 f"x = {act}(tf.reshape(tf.matmul(tf.reshape(x, [-1, F]), w_in) + b_in, "
                 "[B, T, E]))"]
        w_in = truth.add(Weight(prefix + "w_in", (F, e), "input_to_hidden"))
        truth.add(Weight(prefix + "b_in", (e,), "bias"))
        dims = [e]
        if d.inputs == "linear":
            truth.findings["redundant_projection"] = [w_in]
    if "seqlen" in d.extras:
        body.append('lengths = tf1.placeholder(tf.int32, [B], name="lengths")')
    seqlen = ", sequence_length=lengths" if "seqlen" in d.extras else ""

    bidi = d.wrapper == "bidi"
    width = out_dim(d.cell, h) * (2 if bidi else 1)
    dims += [width] * (d.layers - 1)

    def record(weights: list[tuple[str, tuple[int, ...], str]], label: str, layer: int,
               direction: str | None = None) -> None:
        for name, shape, role in weights:
            truth.add(Weight(prefix + name, shape, role, label, layer, steps, direction))

    if d.cell in _CELLS:
        head += _make_cell(d)
        body += _library_loop(d, seqlen)
        for i in range(d.layers):
            if bidi:
                for way, tag in (("forward", "fw"), ("backward", "bw")):
                    record(library_weights(d.cell, f"bidi{i}/{tag}/", dims[i], h),
                           f"{tag}{i}", i, way)
                continue
            scope = (("RNN" if d.loop == "python_loop" else "rnn") + f"/multi_rnn_cell/cell_{i}/"
                     if d.stack == "multi" else f"layer{i}/")
            record(library_weights(d.cell, scope, dims[i], h), f"cell{i}", i)
    else:
        head += hand_cell(d)
        body += hand_loop(d)
        for i in range(d.layers):
            record(hand_weights(d.cell, f"cell{i}/", dims[i], h), f"cell{i}", i)

    body += _head(d, truth, prefix)
    body += training_lines(d, truth, len(truth.weights))
    if copies:
        truth.copies = [
            {"name": name, "batch_size": B, "training": training}
            | ({} if dynamic else {"num_steps": d.steps})
            for name, training in (("Train", True), ("Valid", False))]
    source = _module(d, e, head, body)
    return source, truth


def _make_cell(d: Description) -> list[str]:
    lines = ["def make_cell(i, is_training):", f"    cell = {cell_constructor(d.cell)}"]
    if d.wrapper == "residual":
        lines += ["    if i > 0:", "        cell = tf1.nn.rnn_cell.ResidualWrapper(cell)"]
    if d.wrapper == "dropout":
        lines += ["    if is_training:",
                  "        cell = tf1.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=0.5)"]
    return [*lines, "    return cell", "", ""]


def _library_loop(d: Description, seqlen: str) -> list[str]:
    """Leaves `outputs` (a list of T [B, D]) or `seq` ([B, T, D]) and `top` ([B, D])."""
    n = d.layers
    if d.wrapper == "bidi":
        if d.loop == "static_rnn":
            return ["outputs = tf.unstack(x, T, 1)", f"for i in range({n}):",
                    "    outputs, fw, bw = tf1.nn.static_bidirectional_rnn(",
                    "        make_cell(i, is_training), make_cell(i, is_training), outputs, "
                    f'dtype=tf.float32, scope=f"bidi{{i}}"{seqlen})',
                    "top = tf.concat([h_of(fw), h_of(bw)], 1)"]
        return ["seq = x", f"for i in range({n}):",
                "    (fw_seq, bw_seq), (fw, bw) = tf1.nn.bidirectional_dynamic_rnn(",
                "        make_cell(i, is_training), make_cell(i, is_training), seq, "
                f'dtype=tf.float32, scope=f"bidi{{i}}"{seqlen})',
                "    seq = tf.concat([fw_seq, bw_seq], 2)",
                "top = tf.concat([h_of(fw), h_of(bw)], 1)"]
    multi = d.stack == "multi"
    cell = (f"tf1.nn.rnn_cell.MultiRNNCell([make_cell(i, is_training) for i in range({n})])"
            if multi else "make_cell(i, is_training)")
    last = "h_of(state[-1])" if multi else "h_of(state)"
    if d.loop == "python_loop":
        steps = ["    state = cell.zero_state(B, tf.float32)", "    outputs = []",
                 "    for t in range(T):", "        if t > 0:",
                 "            tf1.get_variable_scope().reuse_variables()",
                 "        out, state = cell(inputs[t], state)", "        outputs.append(out)"]
        if multi:
            return ["inputs = tf.unstack(x, T, 1)", f"cell = {cell}",
                    'with tf1.variable_scope("RNN"):', *steps, f"top = {last}"]
        return ["outputs = tf.unstack(x, T, 1)", f"for i in range({n}):", "    inputs = outputs",
                f"    cell = {cell}", '    with tf1.variable_scope(f"layer{i}"):',
                *["    " + s for s in steps], f"top = {last}"]
    call, data, result = (("static_rnn", "tf.unstack(x, T, 1)", "outputs")
                          if d.loop == "static_rnn" else ("dynamic_rnn", "x", "seq"))
    if multi:
        return [f"{result}, state = tf1.nn.{call}({cell}, {data}, dtype=tf.float32{seqlen})",
                f"top = {last}"]
    return [f"{result} = {data}", f"for i in range({n}):",
            f"    {result}, state = tf1.nn.{call}({cell}, {result}, dtype=tf.float32, "
            f'scope=f"layer{{i}}"{seqlen})', f"top = {last}"]


def _head(d: Description, truth: Truth, prefix: str) -> list[str]:
    static = d.loop in ("python_loop", "static_rnn", "hand_loop")
    truth.add(Weight(prefix + "softmax_w", (_width(d), C), "hidden_to_output"))
    truth.add(Weight(prefix + "softmax_b", (C,), "bias"))
    lines = ['softmax_w = tf1.get_variable("softmax_w", [D, C])',
             'softmax_b = tf1.get_variable("softmax_b", [C])']
    if d.head == "every":
        flat = "tf.concat(outputs, 1)" if static else "seq"
        return [*lines, 'targets = tf1.placeholder(tf.int32, [B, T], name="targets")',
                f"logits = tf.matmul(tf.reshape({flat}, [-1, D]), softmax_w) + softmax_b",
                "loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits("
                "labels=tf.reshape(targets, [-1]), logits=logits))"]
    last = "top" if d.head == "state" else ("outputs[-1]" if static else "seq[:, -1, :]")
    return [*lines, 'labels = tf1.placeholder(tf.int32, [B], name="labels")',
            f"logits = tf.matmul({last}, softmax_w) + softmax_b",
            "loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits("
            "labels=labels, logits=logits))"]


def _width(d: Description) -> int:
    return out_dim(d.cell, d.hidden) * (2 if d.wrapper == "bidi" else 1)


def training_lines(d: Description, truth: Truth, trainable: int) -> list[str]:
    """The summary, optimizer and update lines after `loss`; counts their variables into
    `truth.training_state` (`trainable`: how many trainable variables get slots)."""
    lines = []
    if "summary" in d.extras:
        lines.append('tf1.summary.scalar("loss", loss)')
    if d.training == "none":
        return lines
    truth.training_state = _SLOTS[d.training] * trainable + 2 * (d.training == "adam")
    lr = "0.1"
    if "lr_var" in d.extras:
        lines.append('lr = tf.Variable(0.1, trainable=False, name="lr")')
        truth.training_state += 1
    else:
        lines.append(f"lr = {lr}")
    gs = "None"
    if "global_step" in d.extras:
        gs = "tf1.train.get_or_create_global_step()"
        truth.training_state += 1
    lines.append(f"opt = tf1.train.{_OPTIMIZER[d.training]}")
    if "clip" in d.extras:
        return [*lines, "tvars = tf1.trainable_variables()",
                "grads, _ = tf.clip_by_global_norm(tf1.gradients(loss, tvars), 5.0)",
                f"opt.apply_gradients(zip(grads, tvars), global_step={gs})"]
    return [*lines, f"opt.minimize(loss, global_step={gs})"]


def _module(d: Description, e: int, head: list[str], body: list[str]) -> str:
    dims = [F if d.inputs == "raw" else e] + [_width(d)] * (d.layers - 1)
    consts = (f"T, B, H, F, E, V, C = {d.steps}, {B}, {d.hidden}, {F}, {e}, {V}, {C}\n"
              f"P, D = {d.hidden - 1}, {_width(d)}\nDIMS = {dims}\n")
    training_split = next((i for i, x in enumerate(body) if x.startswith(("lr", "tf1.summary"))),
                          len(body))
    forward = ["    " + x if x else "" for x in body[:training_split]]
    train = ["        " + x for x in body[training_split:]]
    if d.copies == "train_eval":
        calls = ['        with tf1.name_scope("Train"), tf1.variable_scope("Model", reuse=None):',
                 "            forward(True)",
                 '        with tf1.name_scope("Valid"), tf1.variable_scope("Model", reuse=True):',
                 "            forward(False)"]
    else:
        calls = ["        forward(True)"]
    return "\n".join([
        f'"""Generated by tests/generated: {d.key}"""', "", "import tensorflow as tf", "",
        "tf1 = tf.compat.v1", consts, "", "def h_of(state):",
        "    return state.h if isinstance(state, tf1.nn.rnn_cell.LSTMStateTuple) else state",
        "", "", *head, "def forward(is_training):", *forward,
        *(["    if is_training:", *train] if train else []), "    return loss", "", "",
        "def build():", "    graph = tf.Graph()", "    with graph.as_default():", *calls,
        "    return graph", ""])
