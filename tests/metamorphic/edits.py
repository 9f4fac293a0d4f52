"""Source transformations: changes that must happen inside the model code, made with `ast`.

Each edit matches calls by what they are (`*.get_variable(...)`, `*.train.*Optimizer(...)`,
`*.embedding_lookup(...)`, `with <graph>.as_default()`), never by one program's lines, and
returns the new source, or None when it changes nothing (the transformation does not apply).
Code an edit inserts reaches TensorFlow as `_mm_tf` (an import added at the top).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

TF = "_mm_tf"
CELLS = {"BasicLSTMCell", "LSTMCell", "GRUCell", "BasicRNNCell"}
OPTIMIZERS = ("GradientDescentOptimizer", "AdamOptimizer", "MomentumOptimizer",
              "AdagradOptimizer", "AdagradDAOptimizer", "RMSPropOptimizer",
              "AdadeltaOptimizer", "FtrlOptimizer", "ProximalGradientDescentOptimizer",
              "ProximalAdagradOptimizer")


def chain(node: ast.expr) -> list[str]:
    """`tf1.train.AdamOptimizer` -> ["tf1", "train", "AdamOptimizer"]; an attribute of any
    other expression starts with "" (`Opt(0.1).minimize` -> ["", "minimize"])."""
    if isinstance(node, ast.Attribute):
        return [*(chain(node.value) or [""]), node.attr]
    return [node.id] if isinstance(node, ast.Name) else []


def _tf(path: str) -> ast.expr:
    return ast.parse(f"{TF}.{path}", mode="eval").body


def _call(func: ast.expr, *args: ast.expr, **kwargs: ast.expr) -> ast.Call:
    return ast.Call(func, list(args), [ast.keyword(k, v) for k, v in kwargs.items()])


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


class _Calls(ast.NodeTransformer):
    """Rewrites every call `rewrite` answers for (inner calls first)."""

    def __init__(self, rewrite: Callable[[ast.Call, list[str]], ast.expr | None]) -> None:
        self.rewrite = rewrite

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        return self.rewrite(node, chain(node.func)) or node


def _is_weight(call: ast.Call, names: list[str]) -> bool:
    trainable = _kw(call, "trainable")
    return bool(names) and names[-1] in ("get_variable", "Variable") and not (
        isinstance(trainable, ast.Constant) and trainable.value is False)


def identity_reads(call: ast.Call, names: list[str]) -> ast.expr | None:
    return _call(_tf("identity"), call) if _is_weight(call, names) else None


def cast_reads(call: ast.Call, names: list[str]) -> ast.expr | None:
    if not _is_weight(call, names):
        return None
    wide = _call(_tf("cast"), call, _tf("float64"))
    return _call(_tf("cast"), wide, _tf("float32"))


def embedding_as_gather(call: ast.Call, names: list[str]) -> ast.expr | None:
    if names[-1:] != ["embedding_lookup"]:
        return None
    params = call.args[0] if call.args else _kw(call, "params")
    ids = call.args[1] if len(call.args) > 1 else _kw(call, "ids")
    assert params is not None and ids is not None
    return _call(_tf("gather"), params, ids)


def dropout_off(call: ast.Call, names: list[str]) -> ast.expr | None:
    if names[-1:] == ["DropoutWrapper"] or names[-2:] == ["nn", "dropout"]:
        return call.args[0] if call.args else None
    return None


def dropout_on(call: ast.Call, names: list[str]) -> ast.expr | None:
    if names[-1:] and names[-1] in CELLS and "rnn_cell" in names:
        return _call(_tf("compat.v1.nn.rnn_cell.DropoutWrapper"), call,
                     output_keep_prob=ast.Constant(0.9))
    return None


def optimizer(new: str) -> Callable[[ast.Call, list[str]], ast.expr | None]:
    """Every TF1 optimizer the program makes becomes `new`, with the same learning rate."""

    def swap(call: ast.Call, names: list[str]) -> ast.expr | None:
        if len(names) < 2 or names[-2] != "train" or names[-1] not in OPTIMIZERS \
                or names[-1] == new:
            return None
        rate = call.args[0] if call.args else _kw(call, "learning_rate") or ast.Constant(0.01)
        extra: dict[str, ast.expr] = {}
        if new == "MomentumOptimizer":
            extra["momentum"] = ast.Constant(0.9)
        if new == "AdagradDAOptimizer":
            extra["global_step"] = _call(_tf("compat.v1.train.get_or_create_global_step"))
        return _call(_tf(f"compat.v1.train.{new}"), rate, **extra)
    return swap


def minimize_as_apply_gradients(call: ast.Call, names: list[str]) -> ast.expr | None:
    """`opt.minimize(loss, **kw)` -> `(lambda o: o.apply_gradients(o.compute_gradients(loss),
    **kw))(opt)`: the optimizer expression is evaluated once."""
    if names[-1:] != ["minimize"] or not isinstance(call.func, ast.Attribute) or not call.args:
        return None
    o = ast.Name("_mm_o", ast.Load())
    grads = _call(ast.Attribute(o, "compute_gradients", ast.Load()), call.args[0])
    apply = ast.Call(ast.Attribute(o, "apply_gradients", ast.Load()), [grads], call.keywords)
    fn = ast.Lambda(ast.arguments([], [ast.arg("_mm_o")], None, [], [], None, []), apply)
    return _call(fn, call.func.value)


def minimize_with_global_step(call: ast.Call, names: list[str]) -> ast.expr | None:
    if names[-1:] != ["minimize"] or _kw(call, "global_step") is not None:
        return None
    step = _call(_tf("compat.v1.train.get_or_create_global_step"))
    return ast.Call(call.func, call.args, [*call.keywords, ast.keyword("global_step", step)])


class _OuterScope(ast.NodeTransformer):
    """`with g.as_default(), ...:` -> `with g.as_default(), <scope>("outer"), ...:`."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def visit_With(self, node: ast.With) -> ast.With:
        self.generic_visit(node)
        for i, item in enumerate(node.items):
            expr = item.context_expr
            if isinstance(expr, ast.Call) and chain(expr.func)[-1:] == ["as_default"]:
                scope = ast.withitem(_call(_tf(f"compat.v1.{self.scope}"),
                                           ast.Constant("outer")))
                node.items.insert(i + 1, scope)
                break
        return node


# What `feed_back` adds to a program: the call of a state-passing step goes through it.
_FEEDBACK = f"""
def _mm_feed_back(step, x, state):
    \"\"\"Call `step(x, state)`; from the second call on a state a previous call returned,
    feed a dense prediction of the previous output instead of `x` (metamorphic `feed_back`),
    unless `x` is made from that output already (the program feeds back itself).\"\"\"
    previous = _mm_outputs.get(id(state))
    if previous is not None and not _mm_made_from(x, previous[1]):
        tf1 = {TF}.compat.v1
        with tf1.variable_scope("feed_back", reuse=tf1.AUTO_REUSE):
            x = tf1.layers.dense(previous[1], x.shape[-1], name="predict")
    output, new_state = step(x, state)
    _mm_outputs[id(new_state)] = (new_state, output)  # the state kept alive: its id is not reused
    return output, new_state


_mm_outputs = {{}}


def _mm_made_from(x, y):
    seen, stack = set(), [x.op]
    while stack:
        op = stack.pop()
        if op is y.op:
            return True
        if op.name not in seen:
            seen.add(op.name)
            stack.extend(t.op for t in op.inputs)
    return False
"""


class _FeedBack(ast.NodeTransformer):
    """`out, s = step(x, s)` in a `for` loop -> `out, s = _mm_feed_back(step, x, s)`: a state
    threaded through a loop of calls, whatever the step is (a cell object, a layer)."""

    def __init__(self) -> None:
        self.loops = 0
        self.changed = False

    def visit_For(self, node: ast.For) -> ast.For:
        self.loops += 1
        self.generic_visit(node)
        self.loops -= 1
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.Assign:
        value, targets = node.value, node.targets
        if (self.loops and isinstance(value, ast.Call) and len(value.args) == 2
                and not value.keywords and len(targets) == 1
                and isinstance(targets[0], ast.Tuple) and len(targets[0].elts) == 2
                and isinstance(state := targets[0].elts[1], ast.Name)
                and isinstance(value.args[1], ast.Name) and value.args[1].id == state.id):
            node.value = _call(ast.Name("_mm_feed_back", ast.Load()), value.func, *value.args)
            self.changed = True
        return node


def feed_back(tree: ast.Module) -> ast.Module:
    """Feed each step a prediction of the previous step's output instead of its input."""
    edit = _FeedBack()
    tree = edit.visit(tree)
    if edit.changed:
        tree.body += ast.parse(_FEEDBACK).body
    return tree


Edit = Callable[[ast.Module], ast.Module]


def v1_behavior(tree: ast.Module) -> ast.Module:
    """`tf.compat.v1.disable_v2_behavior()` first, as TF1 code run on TF2 usually starts:
    control flow v1 (Enter/Merge/Switch/NextIteration/Exit frames), ref variables, graph
    mode. The model is the same model."""
    at = next((i + 1 for i, n in enumerate(tree.body) if isinstance(n, ast.ImportFrom)
               and n.module == "__future__"), 0)
    tree.body.insert(at, ast.parse(f"{TF}.compat.v1.disable_v2_behavior()").body[0])
    return tree


def calls(rewrite: Callable[[ast.Call, list[str]], ast.expr | None]) -> Edit:
    return lambda tree: _Calls(rewrite).visit(tree)


def outer_scope(scope: str) -> Edit:
    return lambda tree: _OuterScope(scope).visit(tree)


def apply(edit: Edit, source: str) -> str | None:
    """The edited source, or None when the edit changes nothing."""
    before = ast.dump(ast.parse(source))
    tree = edit(ast.parse(source))
    if ast.dump(tree) == before:
        return None
    at = next((i + 1 for i, n in enumerate(tree.body) if isinstance(n, ast.ImportFrom)
               and n.module == "__future__"), 0)
    tree.body.insert(at, ast.Import([ast.alias("tensorflow", TF)]))
    return ast.unparse(ast.fix_missing_locations(tree))
