"""Issue 11 item 16: a huge unroll is announced with its estimated op count before tracing
starts, and the status line shows the time elapsed."""

from __future__ import annotations

import time

import pytest

import rnninspect.api
from rnninspect.cli.args import WARN_OPS, Elapsed
from rnninspect.errors import InvalidOptionError
from tests.helpers import run_cli


@pytest.fixture
def no_tracing(monkeypatch):
    """inspect() stops at once: these tests only look at what is said before tracing."""

    def stop(*args, **kwargs):
        raise InvalidOptionError("stopped before tracing")

    monkeypatch.setattr(rnninspect.api, "inspect", stop)


def estimate_in(err: str) -> int:
    line = next(line for line in err.splitlines() if "warning" in line)
    return int(line.split("about ")[1].split(" ops")[0].replace(",", ""))


@pytest.mark.usefixtures("no_tracing")
def test_a_huge_unroll_warns_with_its_estimate_before_tracing():
    code, _, err = run_cli(["show", "ptb", "--num-steps", "100000", "--force"])
    assert code == 2 and "stopped before tracing" in err
    assert "T=100,000 × 2 layers" in err
    assert estimate_in(err) > WARN_OPS
    _, _, bigger = run_cli(["show", "ptb", "--num-steps", "200000", "--force"])  # past memory
    assert estimate_in(bigger) > estimate_in(err)  # grows with T


@pytest.mark.usefixtures("no_tracing")
@pytest.mark.parametrize("argv", [["show", "ptb"], ["show", "mnist"], ["show", "ptb",
                                                                       "--num-steps", "500"]])
def test_ordinary_sizes_say_nothing(argv):
    _, _, err = run_cli(argv)
    assert "warning" not in err


def test_status_line_shows_elapsed_time():
    assert Elapsed("Tracing…", start=time.monotonic() - 65).__rich__() == "Tracing… 1:05"
    assert Elapsed("Tracing…").__rich__() == "Tracing… 0:00"
