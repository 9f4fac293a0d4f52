"""Only real edges: every block link an Inspection reports (and the rolled diagram draws) is
data that flows in the op graph, checked by an oracle independent of the analysis' own
ownership rules: from some op of the source block a dataflow path reaches some op of the
target block. A block's ops: an input's placeholder, an output's op, the ops that read a
weight's value (for a cell: any of its weights)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnninspect.analysis.analyze import analyze
from rnninspect.analysis.opgraph import build_opgraph
from rnninspect.analysis.reads import computation_nodes, find_uses
from rnninspect.graph import Traced
from rnninspect.model import Inspection
from rnninspect.sources import LoadOptions, load
from tests.helpers import corpus_share

REAL = Path(__file__).parent / "models" / "real"
PROGRAMS = sorted(p.stem for p in REAL.glob("*.py") if p.stem != "__init__")


def _builder(program: str) -> str:
    import re

    found = re.search(r'"builder":\s*"(\w+)"', (REAL / f"{program}.py").read_text())
    assert found, program
    return found.group(1)


def _block_ops(traced: Traced, ins: Inspection, og, computation) -> dict[str, set[str]]:
    node_of = {v.name: v.node for v in traced.variables}
    reads = {name: {u.node for u in find_uses(og, node, computation)}
             for name, node in node_of.items()}
    blocks: dict[str, set[str]] = {}
    for name in traced.inputs:
        blocks[f"input:{name}"] = {name}
    for name in traced.outputs:
        blocks[f"output:{name}"] = {name}
    for v in ins.variables:
        blocks.setdefault(v.name, set()).update(reads.get(v.name, ()))
        for cell in (v.cell, *v.also_cells):
            if cell is not None:
                blocks.setdefault(cell, set()).update(reads.get(v.name, ()))
    return blocks


def _reaches(og, sources: set[str], targets: set[str]) -> bool:
    seen, stack = set(sources), list(sources)
    while stack:
        node = stack.pop()
        for succ in og.graph.successors(node):
            if succ in targets:
                return True
            if succ not in seen:
                seen.add(succ)
                stack.append(succ)
    return False


@pytest.mark.parametrize("program", corpus_share(PROGRAMS, part=2))
def test_every_link_is_real_dataflow(program: str) -> None:
    traced = load(f"{REAL}/{program}.py:{_builder(program)}", LoadOptions())
    assert isinstance(traced, Traced)
    ins = analyze(traced)
    og = build_opgraph(traced.graph)
    computation = computation_nodes(og, list(traced.outputs))
    blocks = _block_ops(traced, ins, og, computation)
    assert ins.links, program
    fake = [(lk.source, lk.target) for lk in ins.links
            if not _reaches(og, blocks.get(lk.source, set()), blocks.get(lk.target, set()))]
    assert fake == [], f"{program}: links with no dataflow behind them: {fake}"
    # The oracle can say no: nothing flows from an output back to an input.
    first_in, first_out = f"input:{traced.inputs[0]}", f"output:{traced.outputs[0]}"
    assert not _reaches(og, blocks[first_out], blocks[first_in])
