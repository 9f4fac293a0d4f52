"""Ground truth against an Inspection: one comparison serves the real-program corpus, the
generated programs and the metamorphic variants (no test module imports another).

A truth is the `EXPECTED` dict of tests/models/real/README.md; `discrepancies(truth, got)`
lists every way `got` (an Inspection's `to_dict()`) differs from it, one line each, empty when
they agree.
"""

from __future__ import annotations

import ast
from typing import Any


def literal_truth(source: str) -> dict[str, Any]:
    """The `EXPECTED` dict of a program's source, read with `ast` (the program is not run)."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "EXPECTED" for t in node.targets):
            result: dict[str, Any] = _literal(node.value, tree)
            return result
    raise AssertionError("the program has no EXPECTED")


def _literal(node: ast.expr, tree: ast.Module) -> Any:
    """ast.literal_eval, plus module-level literal constants and `+` on strings (names)."""
    consts: dict[str, ast.expr] = {}
    for n in tree.body:
        if isinstance(n, ast.Assign) and isinstance(n.value, (ast.Constant, ast.List)):
            for t in n.targets:
                if isinstance(t, ast.Name):
                    consts[t.id] = n.value

    class Fold(ast.NodeTransformer):
        def visit_Name(self, n: ast.Name) -> ast.AST:
            return consts.get(n.id, n)

        def visit_BinOp(self, n: ast.BinOp) -> ast.AST:
            self.generic_visit(n)
            if isinstance(n.op, ast.Add) and isinstance(n.left, ast.Constant) and isinstance(
                    n.right, ast.Constant) and isinstance(n.left.value, str):
                return ast.Constant(n.left.value + n.right.value)
            return n

    return ast.literal_eval(Fold().visit(node))


def discrepancies(truth: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Every way `got` differs from the ground truth `truth`, one line each."""
    out: list[str] = []
    variables = {v["name"]: v for v in got["variables"]}
    cells = {c["name"]: c for c in got["cells"]}
    if got["total_params"] != truth["total_params"]:
        out.append(f"total_params: got {got['total_params']} expected {truth['total_params']}")
    if "num_steps" in truth and got["num_steps"] != truth["num_steps"]:
        out.append(f"num_steps: got {got['num_steps']} expected {truth['num_steps']}")
    missing = [name for name in truth["variables"] if name not in variables]
    if missing:
        out.append(f"variables missing: {', '.join(missing)} (rnninspect names: "
                   f"{', '.join(v['name'] for v in got['variables'])})")
    cell_of: dict[str, str | None] = {}  # expected cell label -> rnninspect's cell name
    for name, want in truth["variables"].items():
        v = variables.get(name)
        if v is None:
            continue
        if "role" in want and v["role"] != want["role"]:
            out.append(f"{name}: role got {v['role']} expected {want['role']}")
        if want.get("role") == "training_state":
            continue
        if "cell" in want:
            label, got_cell = want["cell"], v["cell"]
            if (label is None) != (got_cell is None):
                out.append(f"{name}: cell got {got_cell} expected {label or 'none'}")
            elif label is not None and cell_of.setdefault(label, got_cell) != got_cell:
                out.append(f"{name}: cell got {got_cell}, but other {label} weights are in "
                           f"{cell_of[label]}")
        if "layer" in want and v["layer"] != want["layer"]:
            out.append(f"{name}: layer got {v['layer']} expected {want['layer']}")
        if want.get("direction") is not None:
            direction = v.get("direction") or cells.get(v["cell"] or "", {}).get("direction")
            if direction != want["direction"]:
                out.append(f"{name}: direction got {direction} expected {want['direction']}")
        if "steps" in want:
            if want["steps"] == "dynamic":
                if not v["dynamic"]:
                    out.append(f"{name}: steps got {_steps(v['steps'])} expected dynamic")
            elif v["steps"] != want["steps"] or v["dynamic"]:
                shown = "dynamic" if v["dynamic"] else _steps(v["steps"])
                out.append(f"{name}: steps got {shown} expected {_steps(want['steps'])}")
        if "also_roles" in want and sorted(v["also_roles"]) != sorted(want["also_roles"]):
            out.append(f"{name}: also_roles got {v['also_roles']} expected {want['also_roles']}")
        if "row_split" in want and v.get("row_split") != want["row_split"]:
            out.append(f"{name}: row_split got {v.get('row_split')} expected {want['row_split']}")
    # one cell per label and one layer per layer number, unless the truth counts them (one
    # cell's weights run as two layers: one label, two cells)
    labels = {w["cell"] for w in truth["variables"].values() if w.get("cell")}
    want_cells = truth.get("cells", len(labels))
    if len(got["cells"]) != want_cells:
        empty = [c["name"] for c in got["cells"] if not c["variables"]]
        out.append(f"cells: got {len(got['cells'])} expected {want_cells}"
                   + (f" (empty: {', '.join(empty)})" if empty else ""))
    layers = {w.get("layer") for w in truth["variables"].values() if w.get("cell")}
    want_layers = truth.get("layers", None if None in layers else len(layers))
    if want_layers is not None and got["layers"] != want_layers:
        out.append(f"layers: got {got['layers']} expected {want_layers}")
    if len(set(cell_of.values())) != len(cell_of):
        out.append(f"cells merged: expected {sorted(cell_of)} distinct, got {cell_of}")
    state = [f"{v['name']} ({v['role']})" for v in got["variables"]
             if v["name"] not in truth["variables"]
             and v["role"] not in ("training_state", "carried_state")]
    if state:
        out.append(f"not training_state: {', '.join(state)}")
    count = sum(v["role"] == "training_state" for v in got["variables"])
    if count != truth.get("training_state_count", 0):
        out.append(f"training_state variables: got {count} expected "
                   f"{truth.get('training_state_count', 0)}")
    carried = sum(v["role"] == "carried_state" and v["name"] not in truth["variables"]
                  for v in got["variables"])
    if carried != truth.get("carried_state_count", 0):
        out.append(f"carried_state variables (not listed): got {carried} expected "
                   f"{truth.get('carried_state_count', 0)}")
    if "links" in truth:
        out += _links(truth, got, cell_of)
    out += _copies(truth, got)
    out += _findings(truth, got)
    return out


def _links(truth: dict[str, Any], got: dict[str, Any], cell_of: dict[str, str | None]
           ) -> list[str]:
    """Block-level dataflow, in the ground truth's words: `input`, `output`, cell labels and
    variable names."""
    label = {name: lab for lab, name in cell_of.items() if name is not None}

    def word(node: str) -> str:
        return node.split(":")[0] if node.startswith(("input:", "output:")) else \
            label.get(node, node)

    have = {(word(lk["source"]), word(lk["target"])) for lk in got["links"]}
    want = {(a, b) for a, b in truth["links"]}
    out = [f"link {a} -> {b} does not exist in the program" for a, b in sorted(have - want)]
    out += [f"link {a} -> {b} missing" for a, b in sorted(want - have)]
    return out


def _copies(truth: dict[str, Any], got: dict[str, Any]) -> list[str]:
    copies = got.get("copies") or []
    if "copies" not in truth:
        return [f"copies: got {len(copies)} expected one instance"] if len(copies) > 1 else []
    want = truth["copies"]
    if len(copies) != len(want):
        return [f"copies: got {_copy_list(copies)} expected {_copy_list(want)}"]
    out = []
    for c, w in zip(sorted(copies, key=_copy_key), sorted(want, key=_copy_key), strict=True):
        for key, value in w.items():
            if c.get(key) != value:
                out.append(f"copy {w.get('name', '?')}: {key} got {c.get(key)} expected {value}")
    return out


def _copy_key(c: dict[str, Any]) -> tuple[bool, int, int, str]:
    return (not c.get("training"), -(c.get("num_steps") or 0), -(c.get("batch_size") or 0),
            str(c.get("name")))


def _copy_list(copies: list[dict[str, Any]]) -> str:
    return "[" + ", ".join(f"{c.get('name')} T={c.get('num_steps')}" for c in copies) + "]"


def _findings(truth: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out = []
    kinds: dict[str, set[str]] = {}
    for f in got["findings"]:
        kinds.setdefault(f["kind"], set()).update(f["variables"])
    want: dict[str, list[str]] = truth["findings"]
    for kind in sorted(set(kinds) - set(want)):
        out.append(f"finding {kind} not expected ({', '.join(sorted(kinds[kind]))})")
    for kind, names in want.items():
        if kind not in kinds:
            out.append(f"finding {kind} missing (expected on {', '.join(names) or 'the model'})")
        elif not set(names) <= kinds[kind]:
            out.append(f"finding {kind} names {sorted(kinds[kind])}, expected {names}")
    return out


def _steps(steps: list[int]) -> str:
    if len(steps) > 2 and steps == list(range(steps[0], steps[-1] + 1)):
        return f"{steps[0]}-{steps[-1]}"
    return str(steps)
