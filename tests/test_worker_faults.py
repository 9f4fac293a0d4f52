"""The TF1 worker's faults (issue 23, items 18 and 19): a crash names the signal or exit
code and the last lines printed; the worker dies with its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnninspect.errors import TraceError
from rnninspect.tf import worker
from tests.models.faults import Crash, CrashReading

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("how, said", [("exit", "exited with code 3"),
                                       ("segv", "killed by SIGSEGV")])
def test_a_crashing_request_names_its_cause_and_last_lines(how: str, said: str) -> None:
    with pytest.raises(TraceError) as e:
        worker.call(Crash(how))
    text = str(e.value)
    assert said in text and "about to crash" in text and "BuildCode" not in text


def test_the_worker_dies_with_its_parent(tmp_path: Path) -> None:
    code = ("import time\nfrom rnninspect.tf import worker\nfrom tests.models.faults import Crash\n"
            "w = worker._start()\nprint(w.pid, flush=True)\nworker.call(Crash('hang'))\n")
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    time.sleep(1.0)
    parent.send_signal(signal.SIGTERM)
    parent.wait(10)
    parent.stdout.close()
    for _ in range(40):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.25)
    os.kill(pid, signal.SIGKILL)
    pytest.fail("the worker outlived its parent")


def test_a_saved_file_that_crashes_its_reader_is_named_in_one_line(tmp_path: Path) -> None:
    """A damaged file that kills TensorFlow's reader (a CHECK failure, a segfault) kills the
    worker, never the user's process; the one line names the file and the fix."""
    model = tmp_path / "model.pb"
    model.write_bytes(b"\x00")
    with pytest.raises(worker.WorkerDied) as e:
        worker.call(CrashReading(str(model)))
    text = str(e.value)
    assert "\n" not in text and repr(str(model)) in text
    assert "killed by SIGSEGV" in text and "write it again" in text
