"""The inverse of `render.serialize`: an Inspection from its JSON dict (`Inspection.from_dict`).

`inspection_from_dict(d)` reads the public contract (DESIGN.md §4): for every dict `d` the
serializer writes, ``inspection_to_dict(inspection_from_dict(d)) == d``. Derived fields
(`layers`, per-variable `logical_params` and `direction`) are recomputed, not read.

The result cache needs the fields the public JSON leaves out (each variable's `linear_into`,
the step graph of `diagram --view step`): `internal_to_dict` / `with_internal` carry them
beside it, so a cached Inspection equals the one the analysis returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rnninspect.errors import RnnInspectError
from rnninspect.model import (
    SCHEMA,
    Cell,
    CopyInfo,
    Finding,
    FindingKind,
    GateBlock,
    Inspection,
    Link,
    Placement,
    Role,
    RowSplit,
    Severity,
    StepGraph,
    StepOp,
    VariableInfo,
)


class SchemaError(RnnInspectError, ValueError):
    """A dict that is not an Inspection of this schema."""


def _pair(value: Any) -> tuple[int, int]:
    a, b = value
    return int(a), int(b)


def _frozen(value: Any) -> Any:
    """JSON lists back to the tuples the data model holds."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def variable_from_dict(d: Mapping[str, Any]) -> VariableInfo:
    split = d.get("row_split")
    gates = d.get("gates")
    return VariableInfo(
        name=d["name"], shape=tuple(d["shape"]), dtype=d["dtype"], params=d["params"],
        trainable=d["trainable"], role=Role(d["role"]), placement=Placement(d["placement"]),
        cell=d["cell"], layer=d["layer"], steps=tuple(d["steps"]), dynamic=d["dynamic"],
        shared=d["shared"], reads=d["reads"],
        row_split=None if split is None else RowSplit(_pair(split["input"]),
                                                      _pair(split["hidden"])),
        gates=None if gates is None else tuple(GateBlock(g["gate"], _pair(g["columns"]))
                                               for g in gates),
        also_cells=tuple(d["also_cells"]),
        also_roles=tuple(Role(r) for r in d["also_roles"]),
        steps_by_copy=tuple((name, tuple(steps))
                            for name, steps in d.get("steps_by_copy", {}).items()),
        dead_steps=tuple(d.get("dead_steps", ())),
        dead=bool(d.get("dead", False)),
    )


def cell_from_dict(d: Mapping[str, Any]) -> Cell:
    return Cell(name=d["name"], layer=d["layer"], kind=d["kind"], units=d["units"],
                gate_order=tuple(d["gate_order"]), state=tuple(d["state"]),
                variables=tuple(d["variables"]), num_steps=d["num_steps"],
                dynamic=d["dynamic"], direction=d.get("direction"))


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    return Finding(kind=FindingKind(d["kind"]), severity=Severity(d["severity"]),
                   message=d["message"], variables=tuple(d["variables"]),
                   params=d["params"], fix=d["fix"])


def copy_from_dict(d: Mapping[str, Any]) -> CopyInfo:
    return CopyInfo(name=d["name"], num_steps=d["num_steps"], batch_size=d["batch_size"],
                    training=d["training"], primary=d["primary"], dynamic=d["dynamic"])


def inspection_from_dict(d: Mapping[str, Any]) -> Inspection:
    """An Inspection from `inspection_to_dict`'s output; `SchemaError` for anything else."""
    if not isinstance(d, Mapping) or d.get("schema") != SCHEMA:
        found = d.get("schema") if isinstance(d, Mapping) else type(d).__name__
        raise SchemaError(f"not an Inspection of schema {SCHEMA}: schema {found!r}")
    try:
        return Inspection(
            model=d["model"], dialect=d["dialect"],
            config=tuple((k, _frozen(v)) for k, v in d["config"].items()),
            num_steps=d["num_steps"], total_params=d["total_params"],
            logical_params=d["logical_params"],
            variables=tuple(variable_from_dict(v) for v in d["variables"]),
            cells=tuple(cell_from_dict(c) for c in d["cells"]),
            findings=tuple(finding_from_dict(f) for f in d["findings"]),
            links=tuple(Link(lk["source"], lk["target"]) for lk in d["links"]),
            inputs=tuple(d["inputs"]), outputs=tuple(d["outputs"]), op_count=d["op_count"],
            copies=tuple(copy_from_dict(c) for c in d.get("copies", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise SchemaError(f"malformed Inspection dict: {type(e).__name__}: {e}") from None


# --- what the public JSON leaves out (the cache keeps it) ---------------------------------


def internal_to_dict(inspection: Inspection) -> dict[str, Any]:
    linear = {v.name: v.linear_into for v in inspection.variables if v.linear_into is not None}
    graph = inspection.step_graph
    return {
        "linear_into": linear,
        "step_graph": None if graph is None else {
            "step": graph.step,
            "ops": [[o.id, o.op, o.label, o.reads, o.gate] for o in graph.ops],
            "edges": [list(e) for e in graph.edges],
        },
    }


def with_internal(inspection: Inspection, d: Mapping[str, Any]) -> Inspection:
    """`inspection` with the fields `internal_to_dict` kept put back."""
    linear = d["linear_into"]
    variables = tuple(replace(v, linear_into=linear[v.name]) if v.name in linear else v
                      for v in inspection.variables)
    g = d["step_graph"]
    graph = None if g is None else StepGraph(
        g["step"], tuple(StepOp(*op) for op in g["ops"]),
        tuple((a, b) for a, b in g["edges"]))
    return replace(inspection, variables=variables, step_graph=graph)
