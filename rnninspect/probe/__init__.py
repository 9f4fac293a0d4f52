"""`probe`: values through time — gate saturation, state norms, dead units, the first
non-finite value, per cell, layer and step (DESIGN.md §8). Importing it imports no TensorFlow."""

from rnninspect.probe.model import SCHEMA, ProbeKind, ProbeReport

__all__ = ["SCHEMA", "ProbeKind", "ProbeReport"]
