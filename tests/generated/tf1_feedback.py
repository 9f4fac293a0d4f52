"""Write a TF1 decoder fed its own predictions (autoregressive generation), with its truth.

The decoder (a library cell, a `MultiRNNCell`, layers stepped in separate scopes, or a
hand-written cell) starts from `x0` and the zero state, or from the final state of an
encoder run over `src` (a static or a dynamic RNN of the same cell). At each step its output
goes through a projection to F features — `tf1.layers.dense`, or a matmul with a variable —
and that prediction is the next step's input (`feedback="*_embed"`: the projection is to V
classes, and the embedding of its argmax is the next input, as a text decoder's): always,
under a `tf.cond` on a `teacher` placeholder (teacher forcing: the true value instead), or at
even steps only (the odd steps read the targets). One to three layers: the top layer's
prediction re-enters layer 0. The steps are a Python loop with `reuse_variables()` or one
`tf.while_loop`.

The truth follows from the construction: the cell's own matrices have the roles they have
in any program (a fused kernel multiplies `concat([x, h])`, its first F rows the
prediction); the projection is the output layer (`hidden_to_output`, in no cell), though
its value re-enters as the input — its reads are no steps of the cell (`[]`), or every
iteration of the loop (`dynamic`). The embedding is read on the prediction: its role is
asserted, its placement is not (as tf1/raw_rnn's). An encoder's cell is layer 0; the
decoder's layer is not asserted (tests/models/real/README.md).
"""

from __future__ import annotations

from tests.generated.description import Description
from tests.generated.facts import Truth, Weight, steps_of
from tests.generated.tf1_hand import hand_cell, hand_weights
from tests.generated.tf1_writer import cell_constructor, library_weights, out_dim, training_lines

B, F, C, S, V = 2, 3, 3, 3, 5  # batch, features (the next input), -, encoder T, classes

FEEDBACK_LOOPS = ("feedback_loop", "feedback_while")


def write_feedback(d: Description) -> tuple[str, Truth]:
    library = not d.cell.startswith("hand_")
    static = d.loop == "feedback_loop"
    encoder = d.inputs if d.inputs.startswith("encoder") else None
    enc_static = encoder == "encoder_static"
    steps = [d.steps] if static else []
    if enc_static:
        steps.append(S)
    truth = Truth(num_steps=max(steps) if steps else None)
    h = d.hidden
    width = out_dim(d.cell, h) if library else h  # what each layer outputs
    dims = [F] + [width] * (d.layers - 1)

    def record(weights: list[tuple[str, tuple[int, ...], str]], label: str, layer: int,
               cell_steps: list[int] | str, *, layer_asserted: bool = True) -> None:
        for name, shape, role in weights:
            truth.add(Weight(name, shape, role, label, layer, cell_steps,
                             layer_asserted=layer_asserted))

    if encoder:
        enc_steps = steps_of(S, not enc_static)
        weights = (library_weights(d.cell, "encoder/rnn/", F, h) if library
                   else hand_weights(d.cell, "encoder/cell0/", F, h))
        record(weights, "enc", 0, enc_steps)
    for i in range(d.layers):
        scope = "decoder/" + (f"multi_rnn_cell/cell_{i}/" if d.stack == "multi"
                              else f"layer{i}/" if library else f"cell{i}/")
        weights = (library_weights(d.cell, scope, dims[i], h) if library
                   else hand_weights(d.cell, scope, dims[i], h))
        record(weights, f"cell{i}", i, steps_of(d.steps, not static),
               layer_asserted=encoder is None)
    embed = d.feedback.endswith("_embed")
    if embed:
        truth.add(Weight("decoder/embedding", (V, F), "embedding", steps=None,
                         layer_asserted=False, cell_asserted=False))
    names = (("out/kernel", "out/bias") if d.feedback.startswith("dense")
             else ("w_out", "b_out"))
    out_steps: list[int] | str = [] if static else "dynamic"
    classes = V if embed else F
    truth.add(Weight("decoder/" + names[0], (width, classes), "hidden_to_output",
                     steps=out_steps))
    truth.add(Weight("decoder/" + names[1], (classes,), "bias", steps=out_steps))

    head = _cell_source(d, library)
    body = ['x0 = tf1.placeholder(tf.float32, [B, F], name="x0")',
            'targets = tf1.placeholder(tf.float32, [B, T, F], name="targets")']
    if d.teacher == "cond":
        body.append('teacher = tf1.placeholder(tf.bool, [], name="teacher")')
    body += _initial_state(d, library, encoder)
    body += _decoder(d, library, static)
    body.append("y = tf.stack(preds, 1)" if static else
                "y = tf.transpose(predictions.stack(), [1, 0, 2])")
    if embed:  # y: logits over V classes
        last = d.head == "last"
        body += ['labels = tf1.placeholder(tf.int32, [B, T], name="labels")',
                 *(["y, labels = y[:, -1, :], labels[:, -1]"] if last else []),
                 "loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits("
                 "labels=labels, logits=y))"]
    elif d.head == "last":
        body += ["y = y[:, -1, :]", "loss = tf.reduce_mean(tf.square(y - targets[:, -1, :]))"]
    else:
        body.append("loss = tf.reduce_mean(tf.square(y - targets))")
    train = training_lines(d, truth, len(truth.weights))
    source = "\n".join([
        f'"""Generated by tests/generated: {d.key}"""', "", "import tensorflow as tf", "",
        "tf1 = tf.compat.v1",
        f"T, S, B, H, F, P, D, V = {d.steps}, {S}, {B}, {h}, {F}, {h - 1}, {width}, {V}",
        f"DIMS = {dims}", "", "", *head,
        "def forward(is_training):", *["    " + x if x else "" for x in body],
        *(["    if is_training:", *["        " + x for x in train]] if train else []),
        "    return loss", "", "",
        "def build():", "    graph = tf.Graph()", "    with graph.as_default():",
        "        forward(True)", "    return graph", ""])
    return source, truth


def _cell_source(d: Description, library: bool) -> list[str]:
    if not library:
        return hand_cell(d)
    return ["def make_cell():", f"    return {cell_constructor(d.cell)}", "", ""]


def _initial_state(d: Description, library: bool, encoder: str | None) -> list[str]:
    """Leaves `state`: the decoder's initial state, one entry per layer unless a single
    library cell steps alone."""
    n = d.layers
    if library:
        lines = []
        if d.stack == "multi":
            lines.append(f"cell = tf1.nn.rnn_cell.MultiRNNCell([make_cell() for _ in range({n})])")
        else:
            lines.append(f"cells = [make_cell() for _ in range({n})]")
        if encoder is None:
            zero = ("cell.zero_state(B, tf.float32)" if d.stack == "multi" else
                    "tuple(c.zero_state(B, tf.float32) for c in cells)")
            return [*lines, f"state = {zero}"]
        call = ("static_rnn(make_cell(), tf.unstack(src, S, 1), dtype=tf.float32)"
                if encoder == "encoder_static" else
                "dynamic_rnn(make_cell(), src, dtype=tf.float32)")
        return [*lines, 'src = tf1.placeholder(tf.float32, [B, S, F], name="src")',
                'with tf1.variable_scope("encoder"):', f"    _, encoded = tf1.nn.{call}",
                f"state = ({'encoded, ' * n})"]
    arity = 2 if "lstm" in d.cell else 1
    zero = f"tuple(tf.zeros([B, H]) for _ in range({arity}))"
    if encoder is None:
        return [f"state = tuple({zero} for _ in range({n}))"]
    return ['src = tf1.placeholder(tf.float32, [B, S, F], name="src")',
            'with tf1.variable_scope("encoder"):', "    encoder = params(0, F)",
            f"    encoded = {zero}", "    for k in range(S):",
            "        encoded = step(encoder, src[:, k, :], encoded)",
            f"state = ({'encoded, ' * n})"]


def _decoder(d: Description, library: bool, static: bool) -> list[str]:
    """Leaves `preds` (a list of T [B, F]) or `predictions` (a TensorArray)."""
    n = d.layers
    if library and d.stack == "multi":
        decode = ["def decode(x, state):", "    return cell(x, state)"]
    elif library:
        decode = ["def decode(x, state):", "    new = []",
                  "    for i, layer in enumerate(cells):",
                  '        with tf1.variable_scope(f"layer{i}"):',
                  "            x, s = layer(x, state[i])", "        new.append(s)",
                  "    return x, tuple(new)"]
    else:
        decode = ["def decode(x, state):", "    new = []", f"    for i in range({n}):",
                  "        s = step(layers[i], x, state[i])", "        new.append(s)",
                  "        x = s[0]", "    return x, tuple(new)"]
    made = [] if library else [f"layers = [params(i, DIMS[i]) for i in range({n})]"]
    embed = d.feedback.endswith("_embed")
    classes = "V" if embed else "F"
    if d.feedback.startswith("dense"):
        project = f'tf1.layers.dense(out, {classes}, name="out")'
    else:
        made += [f'w_out = tf1.get_variable("w_out", [D, {classes}])',
                 f'b_out = tf1.get_variable("b_out", [{classes}])']
        project = "tf.matmul(out, w_out) + b_out"
    # what re-enters: the prediction, or the embedding of its argmax
    fed = "pred"
    if embed:
        made.append('embedding = tf1.get_variable("embedding", [V, F])')
        fed = "tf1.nn.embedding_lookup(embedding, tf.argmax(pred, 1))"
    lines = ['with tf1.variable_scope("decoder") as scope:', *["    " + x for x in made]]
    if static:
        if d.teacher == "cond":
            feed = ["        if t + 1 < T:",
                    f"            x = tf.cond(teacher, lambda: targets[:, t], lambda: {fed})"]
        elif d.teacher == "alternate":
            feed = [f"        x = targets[:, t] if t % 2 else {fed}"]
        else:
            feed = [f"        x = {fed}"]
        return [*decode, "", *lines, "    x, preds = x0, []", "    for t in range(T):",
                "        if t > 0:", "            scope.reuse_variables()",
                "        out, state = decode(x, state)", f"        pred = {project}",
                "        preds.append(pred)", *feed]
    nxt = (f"tf.cond(teacher, lambda: truths.read(t), lambda: {fed})" if d.teacher == "cond"
           else fed)
    truths = (["    truths = tf1.TensorArray(tf.float32, size=T).unstack("
               "tf.transpose(targets, [1, 0, 2]))"] if d.teacher == "cond" else [])
    return [*decode, "", *lines, *truths, "", "    def body(t, x, state, written):",
            "        out, state = decode(x, state)", f"        pred = {project}",
            f"        return t + 1, {nxt}, state, written.write(t, pred)", "",
            "    _, _, _, predictions = tf.while_loop(lambda t, *_: t < T, body, (",
            "        tf.constant(0), x0, state, tf1.TensorArray(tf.float32, size=T)))"]
