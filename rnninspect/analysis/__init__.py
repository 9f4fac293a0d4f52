"""Traced graph -> Inspection. Pure graph work: no TensorFlow import."""

from rnninspect.analysis.analyze import analyze

__all__ = ["analyze"]
