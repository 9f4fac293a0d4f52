"""A deterministic fuzz test over every file form rnninspect loads: valid small seeds
(`seeds`), damaged by `mutations`, run through every command in child processes (`runner`,
`child`) and held to one contract (`cases.violations`). `python -m tests.fuzz ROOT` runs it and
prints the violations and a summary; tests/test_fuzz.py runs a fast subset and a slow set."""
