"""The seed question, answered from the traced graphs:
why does the PTB model have no input->hidden matrix while the MNIST model has one?

Run: .venv/bin/python examples/seed_question.py
"""

from rnninspect import Placement, Role, inspect


def rows(span: tuple[int, int]) -> str:
    """A row split's half-open [start, stop) as `show` writes it: (0, 200) -> "0–199"."""
    start, stop = span
    return f"{start}–{stop - 1}"


for name in ("ptb", "mnist"):
    ins = inspect(name)  # legacy dialect: the original TF1 graph
    print(f"== {name}: {ins.total_params:,} parameters, T = {ins.num_steps}")
    for v in ins.variables:
        if v.role is Role.BIAS:
            continue
        where = v.cell or v.placement.value
        split = ""
        if v.row_split:
            split = (f" rows {rows(v.row_split.input)} multiply x_t,"
                     f" rows {rows(v.row_split.hidden)} h_t-1")
        print(f"  {v.name:<55} {v.role.label:<22} {where:<7}{split}")
    extra = [v for v in ins.by_role(Role.INPUT_TO_HIDDEN) if v.placement is Placement.BEFORE]
    if extra:
        print(f"  -> an extra input projection outside the cell: {[v.name for v in extra]}")
    for finding in ins.findings:
        print(f"  finding: {finding.message}")
