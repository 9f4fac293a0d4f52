"""Write a Keras 3 model around a user-written cell (`keras/custom_cell`), with its truth.

The cell is a `keras.layers.Layer` with `state_size` and `output_size`, weights made in
`build` by `add_weight`, a step in `call(x, states)` written with `keras.ops`, and a
`get_config`; it runs inside `keras.layers.RNN` as users write such cells. Its recurrence
(`d.cell`):
- `rnn`: a full recurrent matrix, `tanh(x W + h U + b)`, or one kernel on `concat([x, h])`;
- `indrnn`: a recurrent *vector* `u` applied elementwise, `relu(x W + u * h + b)` (IndRNN);
- `conv`: a 1-D convolution over the state's units, `tanh(x W + conv(h, K) + b)`;
- `mrnn`: multiplicative, `m = (x Wmx) * (h Wmh)`, `tanh(x W + m U + b)`;
- `leaky`: a leaky unit, `a = sigmoid(alpha)`, `(1 - a) * h + a * tanh(x W + h U + b)`: the
  learned time constant `alpha` scales the previous state (hidden→hidden, as IndRNN's `u`);
- `gru`, `lstm` (two states, h and c): the gates from one kernel on `concat([x, h])`
  (`fused`), from `W` and `U` (`wu`), or from one `W_g`, `U_g`, `b_g` per gate (`gates`);
`rnn`, `gru`, `lstm` also from two `Dense` sublayers made in `__init__` (`dense`: `x2h`
with its bias, `h2h` without).
Extras: `peephole` (an LSTM's `p_i`, `p_f` on c_{t-1}, `p_o` on the new c: hidden→hidden),
`ln` (a layer norm of a one-block cell's pre-activation: gain `gamma` other, shift `beta`
bias), `proj_state` (an LSTM whose h is projected by `P` before it is output and fed
back: LSTMP, `P` hidden→hidden), `proj_out` (the top layer's cell projects its output by
`Q`, which is not fed back: hidden→output, in no cell), `unroll` (`RNN(unroll=True)`: steps
0..T-1), `nohead` (no Dense after the recurrence).
Layers: `separate` `RNN` layers (1–3, `Bidirectional` or not) or one
`RNN(StackedRNNCells(...))` (`multi`). `d.head`: the last output (`last`) or the sequence
(`every`).

Truth by construction (tests/models/real/README.md): `W` multiplies the layer's own input
(input→hidden), `U`, `u`, `K`, `P`, `Wmh`, `alpha` its own state (hidden→hidden), a `concat([x, h])`
kernel is fused, `b*` are biases; every cell weight is read at every step (`dynamic` in the
loop).
"""

from __future__ import annotations

from tests.generated.description import Description
from tests.generated.facts import Truth, Weight, steps_of
from tests.generated.keras_writer import input_front

B, F, V, C = 2, 3, 12, 3

_GATES = {"gru": "zrn", "lstm": "ifgo"}
_WIDTH = {"rnn": 1, "indrnn": 1, "conv": 1, "mrnn": 1, "leaky": 1, "gru": 3, "lstm": 4}

# (own name, shape as source expressions over in_dim, S (the fed-back state's width), H,
# R (the projection's width) and O (the output projection's width), role)
Layout = list[tuple[str, tuple[str, ...], str]]


def layout(d: Description, project_out: bool) -> Layout:
    k = _WIDTH[d.cell]
    wide = "H" if k == 1 else f"{k} * H"
    out: Layout
    if d.variables == "fused":
        if d.cell == "gru":
            out = [("W_g", ("in_dim + S", "2 * H"), "input_hidden_fused"),
                   ("b_g", ("2 * H",), "bias"),
                   ("W_c", ("in_dim + S", "H"), "input_hidden_fused"), ("b_c", ("H",), "bias")]
        else:
            out = [("W", ("in_dim + S", wide), "input_hidden_fused"), ("b", (wide,), "bias")]
    elif d.variables == "dense":  # Dense sublayers: x2h (with its bias), h2h (without)
        out = [("x2h/kernel", ("in_dim", wide), "input_to_hidden"),
               ("x2h/bias", (wide,), "bias"), ("h2h/kernel", ("S", wide), "hidden_to_hidden")]
    elif d.cell == "mrnn":  # m = (x Wmx) * (h Wmh): U multiplies m, made from the state
        out = [("Wmx", ("in_dim", "H"), "input_to_hidden"),
               ("Wmh", ("S", "H"), "hidden_to_hidden"), ("W", ("in_dim", "H"), "input_to_hidden"),
               ("U", ("H", "H"), "hidden_to_hidden"), ("b", ("H",), "bias")]
    elif d.cell == "leaky":  # a learned time constant per unit scales the previous state
        out = [("W", ("in_dim", "H"), "input_to_hidden"), ("U", ("S", "H"), "hidden_to_hidden"),
               ("b", ("H",), "bias"), ("alpha", ("H",), "hidden_to_hidden")]
    elif d.variables == "gates":
        out = [w for g in _GATES[d.cell] for w in (
            (f"W_{g}", ("in_dim", "H"), "input_to_hidden"),
            (f"U_{g}", ("S", "H"), "hidden_to_hidden"), (f"b_{g}", ("H",), "bias"))]
    else:
        recurrent = {"indrnn": ("u", ("H",)), "conv": ("K", ("3", "1", "1"))}.get(
            d.cell, ("U", ("S", wide)))
        out = [("W", ("in_dim", wide), "input_to_hidden"),
               (recurrent[0], recurrent[1], "hidden_to_hidden"), ("b", (wide,), "bias")]
    if "peephole" in d.extras:  # on c_{t-1} (i, f) and on the new c (o)
        out += [(f"p_{g}", ("H",), "hidden_to_hidden") for g in "ifo"]
    if "ln" in d.extras:  # a layer norm of the pre-activation: gain and shift
        out += [("gamma", ("H",), "other"), ("beta", ("H",), "bias")]
    if "proj_state" in d.extras:
        out.append(("P", ("H", "R"), "hidden_to_hidden"))
    if project_out:
        out.append(("Q", ("S", "O"), "hidden_to_output"))
    return out


# The step: reads `x` and the state list `s`, sets `h` (and `c`): the new state.
_STEP = {
    ("rnn", "fused"): ["h = ops.tanh(ops.matmul(ops.concatenate([x, s[0]], axis=1), W) + b)"],
    ("rnn", "wu"): ["h = ops.tanh(ops.matmul(x, W) + ops.matmul(s[0], U) + b)"],
    ("indrnn", "wu"): ["h = ops.relu(ops.matmul(x, W) + u * s[0] + b)"],
    ("leaky", "wu"): ["a = ops.sigmoid(alpha)",
                      "h = (1 - a) * s[0] + a * ops.tanh(ops.matmul(x, W) + ops.matmul(s[0], U)"
                      " + b)"],
    ("mrnn", "wu"): ["m = ops.matmul(x, Wmx) * ops.matmul(s[0], Wmh)",
                     "h = ops.tanh(ops.matmul(x, W) + ops.matmul(m, U) + b)"],
    ("conv", "wu"): ["r = ops.squeeze(ops.conv(ops.expand_dims(s[0], -1), K, padding=\"same\"),"
                     " -1)", "h = ops.tanh(ops.matmul(x, W) + r + b)"],
    ("lstm", "fused"): ["z = ops.matmul(ops.concatenate([x, s[0]], axis=1), W) + b",
                        "i, f, g, o = ops.split(z, 4, axis=1)",
                        "c = ops.sigmoid(f) * s[1] + ops.sigmoid(i) * ops.tanh(g)",
                        "h = ops.sigmoid(o) * ops.tanh(c)"],
    ("lstm", "wu"): ["z = ops.matmul(x, W) + ops.matmul(s[0], U) + b",
                     "i, f, g, o = ops.split(z, 4, axis=1)",
                     "c = ops.sigmoid(f) * s[1] + ops.sigmoid(i) * ops.tanh(g)",
                     "h = ops.sigmoid(o) * ops.tanh(c)"],
    ("lstm", "gates"): ["i = ops.sigmoid(ops.matmul(x, W_i) + ops.matmul(s[0], U_i) + b_i)",
                        "f = ops.sigmoid(ops.matmul(x, W_f) + ops.matmul(s[0], U_f) + b_f)",
                        "g = ops.tanh(ops.matmul(x, W_g) + ops.matmul(s[0], U_g) + b_g)",
                        "o = ops.sigmoid(ops.matmul(x, W_o) + ops.matmul(s[0], U_o) + b_o)",
                        "c = f * s[1] + i * g", "h = o * ops.tanh(c)"],
    ("gru", "fused"): ["z, r = ops.split(ops.sigmoid(ops.matmul(ops.concatenate([x, s[0]], "
                       "axis=1), W_g) + b_g), 2, axis=1)",
                       "n = ops.tanh(ops.matmul(ops.concatenate([x, r * s[0]], axis=1), W_c)"
                       " + b_c)", "h = z * s[0] + (1 - z) * n"],
    ("gru", "wu"): ["xz, xr, xn = ops.split(ops.matmul(x, W) + b, 3, axis=1)",
                    "hz, hr, hn = ops.split(ops.matmul(s[0], U), 3, axis=1)",
                    "z, r = ops.sigmoid(xz + hz), ops.sigmoid(xr + hr)",
                    "n = ops.tanh(xn + r * hn)", "h = z * s[0] + (1 - z) * n"],
    ("gru", "gates"): ["z = ops.sigmoid(ops.matmul(x, W_z) + ops.matmul(s[0], U_z) + b_z)",
                       "r = ops.sigmoid(ops.matmul(x, W_r) + ops.matmul(s[0], U_r) + b_r)",
                       "n = ops.tanh(ops.matmul(x, W_n) + ops.matmul(r * s[0], U_n) + b_n)",
                       "h = z * s[0] + (1 - z) * n"],
}


def _step(d: Description) -> list[str]:
    """The step's lines for the description's layout and extras."""
    layout_name = "wu" if d.variables == "dense" else d.variables
    lines = list(_STEP[(d.cell, layout_name)])
    if d.variables == "dense":
        lines = [x.replace("ops.matmul(x, W)", "self.x2h(x)").replace(
            "ops.matmul(s[0], U)", "self.h2h(s[0])").replace(" + b", "") for x in lines]
    if "peephole" in d.extras:
        lines = [x.replace("ops.sigmoid(f) * s[1] + ops.sigmoid(i)",
                           "ops.sigmoid(f + p_f * s[1]) * s[1] + ops.sigmoid(i + p_i * s[1])")
                 .replace("h = ops.sigmoid(o)", "h = ops.sigmoid(o + p_o * c)") for x in lines]
    if "ln" in d.extras:  # the last line is `h = ACT(z)`: normalize z first
        act, z = lines[-1].removeprefix("h = ").split("(", 1)
        lines[-1:] = [f"z = {z[:-1]}",
                      "z = (z - ops.mean(z, -1, keepdims=True)) / ops.sqrt("
                      "ops.var(z, -1, keepdims=True) + 1e-5) * gamma + beta", f"h = {act}(z)"]
    return lines


def _self(line: str, names: list[str]) -> str:
    """`line` with each weight name `n` read as `self.n` (whole words only)."""
    import re

    pattern = r"(?<![\w.])(" + "|".join(sorted(names, key=len, reverse=True)) + r")(?!\w)"
    return re.sub(pattern, r"self.\1", line)


def _cell_source(d: Description) -> list[str]:
    """The `Cell` class: `project_out` (constructor argument) adds the output projection."""
    lstm = d.cell == "lstm"
    proj = "proj_state" in d.extras
    both = layout(d, True)
    names = [n for n, _, _ in both if "/" not in n]
    lines = ["class Cell(keras.layers.Layer):",
             "    def __init__(self, units, project_out=False, **kwargs):",
             "        super().__init__(**kwargs)",
             "        self.units, self.project_out = units, project_out",
             f"        S = {'R' if proj else 'units'}  # the width of the state fed back",
             "        self.state_size = [S, units]" if lstm else "        self.state_size = [S]",
             "        self.output_size = O if project_out else S"]
    if d.variables == "dense":
        k = _WIDTH[d.cell]
        lines += [f'        self.x2h = keras.layers.Dense({k} * units, name="x2h")',
                  f'        self.h2h = keras.layers.Dense({k} * units, use_bias=False, '
                  'name="h2h")']
    lines += ["", "    def build(self, input_shape):",
              "        in_dim, H = input_shape[-1], self.units",
              f"        S = {'R' if proj else 'H'}"]
    if d.variables == "dense":  # sublayers are built with the cell, not at their first call
        lines += ["        self.x2h.build((None, in_dim))", "        self.h2h.build((None, S))"]
    for n, shape, role in both:
        if "/" in n:  # a sublayer's weight, made by the sublayer
            continue
        init = "zeros" if role == "bias" else "glorot_uniform"
        dims = ", ".join(shape) + ("," if len(shape) == 1 else "")
        make = f'self.{n} = self.add_weight(name="{n}", shape=({dims}), initializer="{init}")'
        lines.append(f"        if self.project_out:\n            {make}" if n == "Q"
                     else f"        {make}")
    lines += ["", "    def call(self, x, s):", *["        " + _self(x, names)
                                                   for x in _step(d)]]
    if proj:
        lines.append("        h = ops.matmul(h, self.P)  # LSTMP: the projection is the state")
    state = "[h, c]" if lstm else "[h]"
    lines += ["        out = ops.matmul(h, self.Q) if self.project_out else h",
              f"        return out, {state}", "",
              "    def get_config(self):",
              '        return {**super().get_config(), "units": self.units,',
              '                "project_out": self.project_out}']
    return lines


def write_keras_cell(d: Description) -> tuple[str, Truth]:
    unroll = "unroll" in d.extras
    truth = Truth(num_steps=d.steps if unroll else None)
    steps = steps_of(d.steps, not unroll)
    h, e = d.hidden, d.hidden + 1
    r, o = max(h - 1, 2), h + 2  # the widths of P's and Q's outputs
    proj_out = "proj_out" in d.extras
    state = r if "proj_state" in d.extras else h
    sizes = {"H": h, "S": state, "R": r, "O": o}
    lines = []
    if d.inputs == "embedding":
        lines.append('x = keras.Input((T,), batch_size=B, dtype="int32", name="x")')
    else:
        lines.append('x = keras.Input((T, F), batch_size=B, name="x")')
    lines.append("y = x")
    front, in_dim = input_front(d, truth, e)
    lines += [f"y = {layer}(y)" for layer in front]

    def cell_truth(scope: str, label: str, layer: int, dim: int, top: bool,
                   direction: str | None = None) -> None:
        for name, shape, role in layout(d, proj_out and top):
            dims = tuple(eval(s, {}, {**sizes, "in_dim": dim}) for s in shape)
            if role == "hidden_to_output":  # the output projection: after the recurrence
                truth.add(Weight(scope + name, dims, role, steps=[] if unroll else steps))
            else:
                truth.add(Weight(scope + name, dims, role, label, layer, steps, direction))

    options = ", unroll=True" if unroll else ""
    bidi = d.wrapper == "bidi"
    out_width = o if proj_out else state
    if d.stack == "multi":
        cells = ", ".join(f'Cell(H, {i == d.layers - 1 and proj_out}, name="cell{i}")'
                          for i in range(d.layers))
        seqs = ", return_sequences=True" if d.head == "every" else ""
        lines.append(f'y = keras.layers.RNN(keras.layers.StackedRNNCells([{cells}], '
                     f'name="stack"){seqs}{options}, name="rnn")(y)')
        for i in range(d.layers):
            cell_truth(f"rnn/stack/cell{i}/", f"cell{i}", i, in_dim if i == 0 else state,
                       i == d.layers - 1)
    for i in range(d.layers if d.stack != "multi" else 0):
        top = i == d.layers - 1
        seqs = ", return_sequences=True" if not top or d.head == "every" else ""
        dim = in_dim if i == 0 else state * (2 if bidi else 1)
        if bidi:
            # a custom cell's backward layer is handed over as users do, go_backwards=True
            made = {way: f'keras.layers.RNN(Cell(H, {top and proj_out}, name="cell{i}"){seqs}'
                         f'{options}{back}, name="{way}_rnn{i}")'
                    for way, back in (("forward", ""), ("backward", ", go_backwards=True"))}
            lines.append(f'y = keras.layers.Bidirectional({made["forward"]}, '
                         f'backward_layer={made["backward"]}, name="bidi{i}")(y)')
            for way in ("forward", "backward"):
                cell_truth(f"bidi{i}/{way}_rnn{i}/cell{i}/", f"{way}{i}", i, dim, top, way)
        else:
            lines.append(f'y = keras.layers.RNN(Cell(H, {top and proj_out}, name="cell{i}")'
                         f'{seqs}{options}, name="rnn{i}")(y)')
            cell_truth(f"rnn{i}/cell{i}/", f"cell{i}", i, dim, top)
    width = out_width * (2 if bidi else 1)
    if "nohead" not in d.extras:
        lines.append('y = keras.layers.Dense(C, name="head")(y)')
        truth.add(Weight("head/kernel", (width, C), "hidden_to_output"))
        truth.add(Weight("head/bias", (C,), "bias"))
    lines.append('return keras.Model(x, y, name="gen")')
    # Bidirectional re-creates its layers from their configs: the cell class must be found
    # by name, as a user's custom object scope (or registration) makes it
    body = ['with keras.saving.custom_object_scope({"Cell": Cell}):',
            *["    " + x for x in lines]]
    source = "\n".join([
        f'"""Generated by tests/generated: {d.key}"""', "", "import keras",
        "from keras import ops", "",
        f"T, B, H, F, E, V, C, R, O = {d.steps}, {B}, {h}, {F}, {e}, {V}, {C}, {r}, {o}", "",
        "", *_cell_source(d), "", "", "def build():", *["    " + x for x in body], ""])
    return source, truth
