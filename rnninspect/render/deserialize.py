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


def ill_typed(value: Any) -> str | None:
    """None when `value` (a frozen dataclass) holds what its field annotations say, all the
    way down; else the first field that does not ("VariableInfo.params: 'x' is not int").
    A cached result is checked with it before it is served.

    >>> ill_typed(RowSplit((0, 4), (4, 8))) is None
    True
    >>> ill_typed(RowSplit((0, "4"), (4, 8)))
    "RowSplit.input: '4' is not int"
    """
    return _check(value, type(value), type(value).__name__)


def _check(value: Any, hint: Any, where: str) -> str | None:
    import dataclasses
    import types
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return None
    if origin in (typing.Union, types.UnionType):
        if any(_check(value, a, where) is None for a in args):
            return None
        return f"{where}: {value!r:.40} is not {' or '.join(_name(a) for a in args)}"
    if origin is tuple:
        if not isinstance(value, tuple):
            return f"{where}: {value!r:.40} is not a list"
        items = args[:1] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        if len(items) != len(value):
            return f"{where}: {len(value)} items where {len(items)} belong"
        return next((w for v, a in zip(value, items, strict=True)
                     if (w := _check(v, a, where)) is not None), None)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            return f"{where}: {value!r:.40} is not {hint.__name__}"
        hints = typing.get_type_hints(hint)
        for f in dataclasses.fields(hint):
            found = _check(getattr(value, f.name), hints[f.name], f"{hint.__name__}.{f.name}")
            if found is not None:
                return found
        return None
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = not isinstance(hint, type) or isinstance(value, hint)
    return None if ok else f"{where}: {value!r:.40} is not {_name(hint)}"


def _name(hint: Any) -> str:
    return "None" if hint is type(None) else getattr(hint, "__name__", str(hint))
