"""The `rnninspect.probe/1` JSON document of a `ProbeReport` (one serializer, pure).

Top level: `schema`, `inspection` (`model` and `schema` of the Inspection the probe was
computed on), `model`, `dialect`, `num_steps`, `batch`, `cells` (per cell: `cell`, `layer`,
`kind`, `units`, `gate_order`, `kernels`, `dead_units`, `h_growth`, `c_growth`, `steps`: per
step `step`, `h_norm`, `c_norm`, `gates`: per gate `gate`, `activation`, `mean`, `low`,
`high`), `nonfinite` (or null), `findings` (`kind`, `severity`, `message`, `fix`, `cell`,
`layer`, `gate`, `step`, `units`, `variables`), `notes`, `dynamic`. Non-finite figures are
null (JSON has no NaN).
"""

from __future__ import annotations

import dataclasses
import math
from enum import Enum
from typing import Any

from rnninspect.probe.model import SCHEMA, ProbeReport


def probe_to_dict(report: ProbeReport) -> dict[str, Any]:
    body = _plain(dataclasses.asdict(report))
    assert isinstance(body, dict)
    for cell in body["cells"]:
        del cell["maps"]  # arrays for heat-maps, not figures
    schema = body.pop("inspection_schema")
    return {"schema": SCHEMA, "inspection": {"model": report.model, "schema": schema}, **body}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
