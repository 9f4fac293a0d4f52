"""The one serializer of an Inspection and its records (DESIGN.md §4: the stable, versioned
contract): the Inspection JSON, and the variable / finding dicts that `sharing`, `compare`
and the graph exports embed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rnninspect.model import SCHEMA, Cell, CopyInfo, Finding, Inspection, VariableInfo


def inspection_json(inspection: Inspection, indent: int | None = 2) -> str:
    return json.dumps(inspection_to_dict(inspection), indent=indent, ensure_ascii=False)


def inspection_to_dict(inspection: Inspection) -> dict[str, Any]:
    directions = cell_directions(inspection)
    return {
        "schema": SCHEMA,
        "model": inspection.model,
        "dialect": inspection.dialect,
        "config": dict(inspection.config),
        "num_steps": inspection.num_steps,
        "layers": inspection.layers,
        "total_params": inspection.total_params,
        "logical_params": inspection.logical_params,
        "op_count": inspection.op_count,
        "inputs": list(inspection.inputs),
        "outputs": list(inspection.outputs),
        "variables": [variable_to_dict(v, directions) for v in inspection.variables],
        "cells": [cell_to_dict(c) for c in inspection.cells],
        "links": [{"source": lk.source, "target": lk.target} for lk in inspection.links],
        "findings": [finding_to_dict(f) for f in inspection.findings],
        **({"copies": [copy_to_dict(c) for c in inspection.copies]} if inspection.copies else {}),
    }


def copy_to_dict(c: CopyInfo) -> dict[str, Any]:
    return {"name": c.name, "num_steps": c.num_steps, "batch_size": c.batch_size,
            "training": c.training, "primary": c.primary, "dynamic": c.dynamic}


def cell_directions(inspection: Inspection) -> dict[str, str]:
    """cell name -> forward/backward, for the cells of a bidirectional layer."""
    return {c.name: c.direction for c in inspection.cells if c.direction is not None}


def variable_to_dict(
    v: VariableInfo, directions: Mapping[str, str] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": v.name,
        "shape": list(v.shape),
        "dtype": v.dtype,
        "params": v.params,
        "trainable": v.trainable,
        "role": v.role.value,
        "placement": v.placement.value,
        "cell": v.cell,
        "layer": v.layer,
        "steps": list(v.steps),
        "dynamic": v.dynamic,
        "shared": v.shared,
        "reads": v.reads,
        "logical_params": v.logical_params,
        "also_cells": list(v.also_cells),
        "also_roles": [r.value for r in v.also_roles],
    }
    if directions and v.cell is not None and v.cell in directions:
        out["direction"] = directions[v.cell]
    if v.dead_steps:
        out["dead_steps"] = list(v.dead_steps)
    if v.dead:
        out["dead"] = True
    if v.steps_by_copy:
        out["steps_by_copy"] = {name: list(steps) for name, steps in v.steps_by_copy}
    if v.row_split is not None:
        out["row_split"] = {
            "input": list(v.row_split.input),
            "hidden": list(v.row_split.hidden),
        }
    if v.gates is not None:
        out["gates"] = [{"gate": g.gate, "columns": list(g.columns)} for g in v.gates]
    return out


def cell_to_dict(c: Cell) -> dict[str, Any]:
    return {
        "name": c.name,
        "layer": c.layer,
        "kind": c.kind,
        "units": c.units,
        "gate_order": list(c.gate_order),
        "state": list(c.state),
        "variables": list(c.variables),
        "num_steps": c.num_steps,
        "dynamic": c.dynamic,
        **({"direction": c.direction} if c.direction is not None else {}),
    }


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "severity": f.severity.value,
        "message": f.message,
        "variables": list(f.variables),
        "params": f.params,
        "fix": f.fix,
    }
