"""The corpus of real programs (tests/models/real/, issue 10): each program's ground truth,
written from the program before looking at rnninspect's answer, asserted in full.

Every program file holds a literal `EXPECTED` dict (read with `ast`, so the test process never
imports TF1 code). Cases rnninspect gets wrong today are `xfail(strict=True)` with the reason;
a fix that makes one pass turns it red until the mark is removed.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REAL = Path(__file__).parent / "models" / "real"

# program -> what rnninspect gets wrong today (one line); see /work/notes/corpus_report.md
KNOWN_WRONG: dict[str, str] = {
    "nmt_attention": "attention V called hidden_to_hidden, not other",
}

# programs whose diagrams `dot` cannot render today
DOT_FAILS: dict[str, str] = {}


def _programs() -> list[str]:
    return sorted(p.stem for p in REAL.glob("*.py") if p.stem != "__init__")


def expected(program: str) -> dict[str, Any]:
    tree = ast.parse((REAL / f"{program}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "EXPECTED" for t in node.targets):
            return _literal(node.value, tree)
    raise AssertionError(f"{program}.py has no EXPECTED")


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


@cache
def inspection(program: str) -> Any:
    """The Inspection, traced once per session (TF1 programs share the one worker)."""
    from rnninspect import inspect

    return inspect(f"{REAL}/{program}.py:{expected(program)['builder']}")


def inspected(program: str) -> dict[str, Any]:
    result: dict[str, Any] = inspection(program).to_dict()
    return result


def _mark(program: str, table: dict[str, str]) -> Any:
    if program in table:
        return pytest.param(program, marks=pytest.mark.xfail(strict=True, reason=table[program]))
    return program


def test_every_program_has_its_ground_truth() -> None:
    programs = _programs()
    assert len(programs) >= 12
    for program in programs:
        truth = expected(program)
        assert truth["variables"] and truth["mirrors"] and truth["total_params"] > 0, program


def discrepancies(program: str) -> list[str]:
    """Every way rnninspect's answer differs from the ground truth, one line each."""
    truth, got = expected(program), inspected(program)
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
        if v["role"] != want["role"]:
            out.append(f"{name}: role got {v['role']} expected {want['role']}")
        if want["role"] == "training_state":
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
    labels = {w["cell"] for w in truth["variables"].values() if w.get("cell")}
    if len(got["cells"]) != len(labels):
        empty = [c["name"] for c in got["cells"] if not c["variables"]]
        out.append(f"cells: got {len(got['cells'])} expected {len(labels)}"
                   + (f" (empty: {', '.join(empty)})" if empty else ""))
    layers = {w.get("layer") for w in truth["variables"].values() if w.get("cell")}
    if None not in layers and got["layers"] != len(layers):
        out.append(f"layers: got {got['layers']} expected {len(layers)}")
    if len(set(cell_of.values())) != len(cell_of):
        out.append(f"cells merged: expected {sorted(cell_of)} distinct, got {cell_of}")
    state = [f"{v['name']} ({v['role']})" for v in got["variables"]
             if v["name"] not in truth["variables"] and v["role"] != "training_state"]
    if state:
        out.append(f"not training_state: {', '.join(state)}")
    count = sum(v["role"] == "training_state" for v in got["variables"])
    if count != truth.get("training_state_count", 0):
        out.append(f"training_state variables: got {count} expected "
                   f"{truth.get('training_state_count', 0)}")
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


@pytest.mark.parametrize("program", [_mark(p, KNOWN_WRONG) for p in _programs()])
def test_ground_truth(program: str) -> None:
    wrong = discrepancies(program)
    assert not wrong, f"{program}: " + "; ".join(wrong)


def test_attention_decoder_calling_a_gru_per_step_is_one_cell_of_four_steps() -> None:
    """nmt_attention is still in KNOWN_WRONG (dead_weight, V's role); what is right already
    must stay right: Keras paths, the per-step GRU calls as steps of the decoder cell (no
    phantom loops), the encoder loop below it, fc the output layer."""
    truth, got = expected("nmt_attention"), inspected("nmt_attention")
    variables = {v["name"]: v for v in got["variables"]}
    assert sorted(variables) == sorted(truth["variables"])
    decoder = {variables[n]["cell"] for n, w in truth["variables"].items()
               if w.get("cell") == "dec"}
    (encoder,) = {variables[n]["cell"] for n, w in truth["variables"].items()
                  if w.get("cell") == "enc"}
    assert len(decoder) == 1 and encoder not in decoder
    assert sorted(c["name"] for c in got["cells"]) == sorted([encoder, *decoder])
    assert all(c["variables"] for c in got["cells"])
    for name in ("gru/gru_cell/kernel", "gru/gru_cell/recurrent_kernel", "attention/W2/kernel"):
        v = variables["decoder/" + name]
        assert v["steps"] == [0, 1, 2, 3] and not v["dynamic"], name
        assert v["role"] == truth["variables"]["decoder/" + name]["role"], name
    layer = {c["name"]: c["layer"] for c in got["cells"]}
    assert layer[next(iter(decoder))] > layer[encoder]
    fc = variables["decoder/fc/kernel"]
    assert (fc["role"], fc["cell"]) == ("hidden_to_output", None)


@pytest.mark.dot
@pytest.mark.parametrize("program", [_mark(p, DOT_FAILS) for p in _programs()])
def test_diagrams_render_with_dot(program: str) -> None:
    dot = shutil.which("dot")
    assert dot is not None
    for view in ("rolled", "unrolled"):
        source = inspection(program).diagram(view).source
        done = subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True,
                              timeout=60, check=False)
        assert done.returncode == 0, f"{view}: {done.stderr.decode().strip()[:200]}"
        assert b"<svg" in done.stdout
