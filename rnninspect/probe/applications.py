"""Each cell's reads of its weights, step by step, as the analysis places them.

A weight read by two cells (one cell object applied as two layers: `[cell] * n`, the
built-in `ptb-tiedlayers`) is read twice at each step, once by each layer's application.
The analysis knows which read is which layer's (it peels the reads into one chain per
application, lowest layer first); the probe takes each cell's values from that cell's own
reads only. Keyed by cell, so a read is never claimed by another cell that shares its weight.
"""

from __future__ import annotations

import gc

from rnninspect.graph import Traced
from rnninspect.model import Inspection

# variable name -> step -> [(op that computes with it, input position of the variable)]
StepReads = dict[str, dict[int, list[tuple[str, int]]]]
# cell name -> its StepReads: the reads of that cell's own application
CellReads = dict[str, StepReads]


def analyze_by_cell(traced: Traced) -> tuple[Inspection, CellReads]:
    """The Inspection, and for every cell the ops that compute with each of its weights at
    each step in that cell's application (where the weight enters them, as
    `analyze_with_reads` addresses it).

    `analyze_with_reads` merges the reads of all cells per variable and step; which cell a
    read belongs to is the analysis's own record (`VarFacts.use_cells`), which it does not
    return yet: read here from its internals until it does."""
    from rnninspect.analysis.analyze import _addressed, _analyze

    enabled = gc.isenabled()
    gc.disable()  # as analyze_with_reads: the passes' many small objects, freed at the end
    try:
        inspection, facts, og = _analyze(traced, None)
    finally:
        if enabled:
            gc.enable()
    names = {c.name for c in inspection.cells}
    found: CellReads = {}
    for f in facts.values():
        for use in f.uses:
            step = f.use_steps.get(use.node)
            owner = f.use_cells.get(use.node) or f.cell
            if step is None or owner is None:
                continue
            # a cell a loop claimed after placement is the cell that holds the variable
            cell = owner.name if owner.name in names else (f.cell.name if f.cell else None)
            if cell is None:
                continue
            read = _addressed(og, use.node, use.operand)
            uses = found.setdefault(cell, {}).setdefault(f.var.name, {}).setdefault(step, [])
            if read not in uses:
                uses.append(read)
    return inspection, found

