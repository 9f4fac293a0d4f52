"""Training the seed programs with their own recipes (`rnninspect train`).

Importing this package imports neither Keras nor a backend framework: `command` parses
arguments cheaply and imports the training machinery inside `run`.
"""

from __future__ import annotations

from rnninspect.train.command import add_arguments, run

__all__ = ["add_arguments", "run"]
