"""The Inspection JSON (DESIGN.md §4): the stable, versioned contract."""

from __future__ import annotations

from typing import Any

from rnninspect.model import SCHEMA, Cell, CopyInfo, Finding, Inspection, VariableInfo


def inspection_to_dict(inspection: Inspection) -> dict[str, Any]:
    directions = {c.name: c.direction for c in inspection.cells if c.direction is not None}
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
        "variables": [_variable(v, directions) for v in inspection.variables],
        "cells": [_cell(c) for c in inspection.cells],
        "links": [{"source": lk.source, "target": lk.target} for lk in inspection.links],
        "findings": [_finding(f) for f in inspection.findings],
        **({"copies": [_copy(c) for c in inspection.copies]} if inspection.copies else {}),
    }


def _copy(c: CopyInfo) -> dict[str, Any]:
    return {"name": c.name, "num_steps": c.num_steps, "batch_size": c.batch_size,
            "training": c.training}


def _variable(v: VariableInfo, directions: dict[str, str]) -> dict[str, Any]:
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
    if v.cell in directions:
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


def _cell(c: Cell) -> dict[str, Any]:
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


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "severity": f.severity.value,
        "message": f.message,
        "variables": list(f.variables),
        "params": f.params,
        "fix": f.fix,
    }
