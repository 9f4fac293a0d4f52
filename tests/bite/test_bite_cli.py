"""`rnninspect check --expect-params` through the front door (`cli.main`): a count above the
real one fails, a count below fails, the exact count passes. Traces in the test process, so
`make mutate` leaves this module out (see tests/bite/conftest.py)."""

from __future__ import annotations

import pytest

from rnninspect import cli

MODEL = ["check", "ptb", "--dialect", "keras", "--config", "test", "--num-steps", "3"]
# ptb, test config: embedding 10000x2 (20,000) + one LSTM cell, hidden 2 (kernels 2x8 + 2x8, bias
# 8: 40) + softmax_w 2x10000 (20,000) + softmax_b (10,000)
REAL = 20_000 + 40 + 20_000 + 10_000
FAILURE, ERROR = 1, 2  # exit statuses: a check failed; bad input


def _run(console_pair, *extra: str) -> tuple[int, str, str]:
    (out, out_buf), (err, err_buf) = console_pair(200), console_pair(200)
    code = cli.main([*MODEL, *extra], console=out, err_console=err)
    return code, out_buf.getvalue(), err_buf.getvalue()


@pytest.mark.parametrize("delta", [1, -1])
def test_expect_params_off_by_one_either_way_fails(console_pair, delta: int) -> None:
    code, out, err = _run(console_pair, "--expect-params", str(REAL + delta))
    assert code == FAILURE
    assert out.strip() == (f"FAIL ptb (keras): expected {REAL + delta:,} unique trainable "
                           f"parameters; found {REAL:,} ({-delta:+,})")
    assert err.strip() == "check: 1 expectation(s) failed"


def test_expect_params_exact_passes(console_pair) -> None:
    code, out, err = _run(console_pair, "--expect-params", str(REAL))
    assert code == 0 and err == ""
    assert out.strip() == ("ok ptb (keras): every expectation holds (50,040 unique trainable "
                           "parameters)")


def test_negative_expect_params_is_a_usage_error(console_pair) -> None:
    code, out, err = _run(console_pair, "--expect-params", "-5")
    assert code == ERROR and out == ""
    assert err.strip() == "rnninspect: error: --expect-params must be ≥ 0; got -5"
