"""One process that runs fuzz cases through `rnninspect.cli.main` with real file descriptors
1 and 2 captured (TensorFlow's C++ side writes there too), one JSON line per event in the
results file: {"start": i} before a case, its result after. The parent (`runner`) restarts
it after the case that killed or hung it.

    python -m tests.fuzz.child ROOT RESULTS SEED VARIANTS INDEX...
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fuzz.cases import COMMANDS, Case, all_cases, mutation_named, spec_of
from tests.fuzz.seeds import write_seeds

ESCAPE_MARK = "fuzz_escaped"


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _escaped(places: list[Path]) -> list[str]:
    return [str(p) for place in places for p in place.glob(f"{ESCAPE_MARK}*")]


def prepare(root: Path, case: Case, seed: int) -> tuple[Path, str]:
    """Copy the seed form into ROOT/cases/I/model and damage it; return (case folder, spec)."""
    folder = root / "cases" / str(case.index)
    if folder.exists():
        shutil.rmtree(folder)
    model = folder / "model"
    shutil.copytree(root / "seeds" / case.form, model, symlinks=True)
    mutation_named(case.form, case.mutation)(model, case.form, case.rng(seed))
    (folder / "out").mkdir()
    (folder / "cwd").mkdir()
    return folder, spec_of(model, case.form)


def run_case(root: Path, case: Case, folder: Path, spec: str) -> dict[str, Any]:
    """Run the prepared case in `folder` (see `prepare`)."""
    from rnninspect.cli import main

    argv = [case.command, spec, *(a.format(out=folder / "out") for a in COMMANDS[case.command])]
    before = _tree(folder / "model")
    watched = [folder.parent, root, Path(tempfile.gettempdir()), folder / "cwd"]
    streams = {name: folder / f"{name}.txt" for name in ("stdout", "stderr")}
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    handles = {name: path.open("wb") for name, path in streams.items()}
    os.dup2(handles["stdout"].fileno(), 1)
    os.dup2(handles["stderr"].fileno(), 2)
    os.chdir(folder / "cwd")
    started = time.monotonic()
    try:
        status = main(argv)
    except SystemExit as e:  # what a user would see is the exit status
        status = e.code if isinstance(e.code, int) else 1
    except BaseException as e:  # an escape from main is itself a violation
        print(f"Traceback (escaped main): {type(e).__name__}: {e}", file=sys.stderr)
        status = 99
    finally:
        seconds = time.monotonic() - started
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
        for handle in handles.values():
            handle.close()
        os.chdir(root)
    output = folder / "out" / "model.dot"
    new = sorted((_tree(folder / "model") - before)
                 | {f"cwd/{p}" for p in _tree(folder / "cwd")}
                 | {f"out/{p}" for p in _tree(folder / "out")} - {"out/model.dot"})
    return {"case": case.index, "label": case.label(), "argv": argv, "spec": spec,
            "status": status, "seconds": round(seconds, 2),
            "stdout": streams["stdout"].read_text(errors="replace")[-4000:],
            "stderr": streams["stderr"].read_text(errors="replace")[-4000:],
            "output_bytes": output.stat().st_size if output.exists() else None,
            "stray": new + _escaped(watched)}


def main() -> None:
    root, results, seed, variants = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    cases = all_cases(variants)
    indexes = [int(i) for i in sys.argv[5:]]
    write_seeds(root / "seeds", (cases[i].form for i in indexes))
    with Path(results).open("a", encoding="utf-8") as log:
        for index in indexes:
            folder, spec = prepare(root, cases[index], seed)  # the clock starts after this
            log.write(json.dumps({"start": index, "at": time.time()}) + "\n")
            log.flush()
            log.write(json.dumps(run_case(root, cases[index], folder, spec)) + "\n")
            log.flush()


if __name__ == "__main__":
    main()
