"""`Inspection.from_dict` is the inverse of `to_dict` (issue 13): ``from_dict(d).to_dict() == d``
for hand-built inspections, the golden JSON files, and (slow) every zoo model in every
dialect and every program of the real corpus."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from rnninspect import zoo
from rnninspect.model import Inspection
from rnninspect.render.deserialize import SchemaError
from tests.models.inspections import mnist_like, ptb_like

GOLDEN = Path(__file__).parent / "golden"
REAL = Path(__file__).parent / "models" / "real"


def _golden_inspections() -> list[Path]:
    found = []
    for path in sorted(GOLDEN.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("schema") == "rnninspect.inspection/1" \
                and "variables" in data:
            found.append(path)
    return found


def _round_trips(ins: Inspection) -> None:
    d = ins.to_dict()
    back = Inspection.from_dict(json.loads(json.dumps(d)))  # through JSON text, as stored
    assert back.to_dict() == d
    # every field but those the public JSON leaves out (linear_into; the step graph is not
    # compared): the records come back whole, not just their dict
    public = replace(ins, variables=tuple(replace(v, linear_into=None) for v in ins.variables))
    assert back == public


@pytest.mark.parametrize("ins", [ptb_like(), ptb_like(4, layers=3, noreuse=True),
                                 mnist_like(), mnist_like(5, hidden=8)],
                         ids=["ptb", "ptb-noreuse", "mnist", "mnist-small"])
def test_hand_built_inspections_round_trip(ins: Inspection) -> None:
    _round_trips(ins)


def test_golden_inspection_files_round_trip() -> None:
    paths = _golden_inspections()
    assert len(paths) >= 5  # the corpus exists: this test can fail
    for path in paths:
        d = json.loads(path.read_text(encoding="utf-8"))
        assert Inspection.from_dict(d).to_dict() == d, path.name


@pytest.mark.parametrize("bad", [{}, {"schema": "rnninspect.inspection/0"}, [],
                                 {"schema": "rnninspect.inspection/1", "model": "m"}])
def test_anything_else_is_a_schema_error(bad: object) -> None:
    with pytest.raises(SchemaError):
        Inspection.from_dict(bad)  # type: ignore[arg-type]


def _zoo_cases() -> list[tuple[str, str]]:
    return [(name, d) for name, m in zoo.MODELS.items() for d in m.dialects]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "dialect"), _zoo_cases())
def test_every_zoo_model_round_trips(name: str, dialect: str) -> None:
    from rnninspect import inspect

    ins = inspect(name, dialect=dialect)
    d = ins.to_dict()
    assert Inspection.from_dict(json.loads(json.dumps(d))).to_dict() == d


@pytest.mark.slow
@pytest.mark.parametrize("program", sorted(p.stem for p in REAL.glob("*.py")
                                           if p.stem != "__init__"))
def test_every_real_program_round_trips(program: str) -> None:
    import ast

    from rnninspect import inspect

    builder = _builder(ast.parse((REAL / f"{program}.py").read_text(encoding="utf-8")))
    d = inspect(f"{REAL}/{program}.py:{builder}").to_dict()
    assert Inspection.from_dict(json.loads(json.dumps(d))).to_dict() == d


def _builder(tree: object) -> str:
    """The `builder` of the program's EXPECTED dict (read without running the program)."""
    import ast

    assert isinstance(tree, ast.Module)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "EXPECTED" for t in node.targets):
            assert isinstance(node.value, ast.Dict)
            for k, v in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == "builder":
                    return str(ast.literal_eval(v))
    raise AssertionError("no EXPECTED['builder']")
