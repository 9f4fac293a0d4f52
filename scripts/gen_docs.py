"""Regenerate every command-output sample in README.md and docs/*.md from the real command.

A sample is a marked block; everything between the markers is rewritten:

    <!-- rnninspect: show mnist -->
    ```
    (what `rnninspect show mnist` prints in a terminal 100 columns wide)
    ```
    <!-- end -->

The command runs through the CLI's front door (`rnninspect.cli.main`, with no console handed
in) with ``COLUMNS`` set and stdout captured, so a sample is what a user sees with their
terminal at that width, and nothing else: the CLI picks its console exactly as it does for
them. Every word of the marker after ``rnninspect:`` is the user's command line, except:
a leading ``COLUMNS=N`` (the terminal width; default 100, shown in the prompt when it is not
the default), ``--prompt`` (start with ``$ rnninspect ARGS``), ``--from TEXT`` (keep the
output from the first line containing TEXT), ``--slow`` (checked by the slow test only),
``--volatile`` (figures that vary between runs: the test compares them with numbers and bars
masked). ``<!-- rnninspect-data: speed -->`` renders the Speed table from
``docs/benchmarks.json`` (the figures `make bench` measured, with their date).

    python scripts/gen_docs.py           # rewrite the files
    python scripts/gen_docs.py --check   # exit 1 and name the stale blocks (CI)

tests/test_docs.py regenerates into memory and fails on any difference, so a stale sample
fails `make test`. Traced models are memoized per (model, options) within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FILES = ("README.md", "docs/*.md", "docs/**/*.md")
BLOCK = re.compile(
    r"(?P<open><!-- rnninspect(?P<data>-data)?: (?P<args>.*?) -->\n)"
    r"(?P<body>.*?)(?P<close><!-- end -->)",
    re.DOTALL,
)
DEFAULT_COLUMNS = 100  # the terminal width samples are shown at
# Variables that make rich colour or size its output regardless of the terminal: a sample is
# what a plain terminal of COLUMNS columns shows.
SCRUBBED_ENV = ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "LINES",
                "JUPYTER_COLUMNS", "JUPYTER_LINES")


@dataclass(frozen=True)
class Sample:
    argv: tuple[str, ...]
    columns: int = DEFAULT_COLUMNS
    prompt: bool = False
    start: str | None = None
    slow: bool = False  # takes gradients: tests/test_docs.py checks it under -m slow
    volatile: bool = False  # figures vary from run to run: compared with numbers masked

    @classmethod
    def parse(cls, text: str) -> Sample:
        words = shlex.split(text)
        columns, start, flags, argv = DEFAULT_COLUMNS, None, set(), []
        if words and words[0].startswith("COLUMNS="):
            columns = int(words.pop(0).removeprefix("COLUMNS="))
        it = iter(words)
        for word in it:
            if word == "--from":
                start = next(it)
            elif word in ("--prompt", "--slow", "--volatile"):
                flags.add(word[2:])
            else:  # the command's own words, --width included should the CLI have one
                argv.append(word)
        return cls(tuple(argv), columns, "prompt" in flags, start, "slow" in flags,
                   "volatile" in flags)

    @property
    def command_line(self) -> str:
        """What the user types: ``rnninspect ARGS``, with ``COLUMNS=N`` when not the default."""
        env = f"COLUMNS={self.columns} " if self.columns != DEFAULT_COLUMNS else ""
        return f"{env}rnninspect {shlex.join(self.argv)}"


@contextlib.contextmanager
def terminal(columns: int) -> Iterator[tuple[io.TextIOWrapper, io.TextIOWrapper]]:
    """stdout and stderr captured as UTF-8 text streams that are not terminals, with
    ``COLUMNS`` set and the variables that would override a terminal's look removed."""
    saved = {k: os.environ.get(k) for k in ("COLUMNS", *SCRUBBED_ENV)}
    for key in SCRUBBED_ENV:
        os.environ.pop(key, None)
    os.environ["COLUMNS"] = str(columns)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\n")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\n")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield out, err
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def text_of(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


def run_sample(sample: Sample) -> str:
    """What `rnninspect ARGS` prints on stdout in a terminal of the sample's width (through
    the CLI's own console choice), trailing spaces stripped."""
    from rnninspect.cli import main

    with terminal(sample.columns) as (out, err):
        code = main(list(sample.argv))
    if code not in (0, 1):
        raise RuntimeError(f"{sample.command_line} exited {code}: {text_of(err)}")
    lines = [line.rstrip() for line in text_of(out).splitlines()]
    if sample.start is not None:
        first = next((i for i, line in enumerate(lines) if sample.start in line), None)
        if first is None:
            raise RuntimeError(f"--from {sample.start!r}: not in the output of {sample.argv}")
        lines = lines[first:]
    while lines and not lines[-1]:
        lines.pop()
    if sample.prompt:
        lines.insert(0, f"$ {sample.command_line}")
    return "```\n" + "\n".join(lines) + "\n```\n"


def speed_table(root: Path = ROOT) -> str:
    """The Speed section's figures, from docs/benchmarks.json (measured by `make bench`)."""
    data = json.loads((root / "docs" / "benchmarks.json").read_text(encoding="utf-8"))
    rows = [f"Measured on {data['machine']}, side by side in one run ({data['date']}):", "",
            "| num_steps | ops | TF build+trace | analysis | render | ratio (goal ≤ 0.10) |",
            "|---|---|---|---|---|---|"]
    for r in data["show_speed"]:
        rows.append(f"| {r['num_steps']} ({r['dialect']}) | {r['ops']:,} | {r['trace_s']:.2f} s "
                    f"| {r['analysis_s']:.3f} s | {r['render_s']:.3f} s | {r['ratio']:.3f} |")
    cli = data["cli"]
    rows += ["", f"`rnninspect --help` {cli['help_s']:.3f} s and `rnninspect models` "
             f"{cli['models_s']:.3f} s (goal ≤ 0.5 s: neither imports TensorFlow)."]
    return "\n".join(rows) + "\n"


def train_table(root: Path = ROOT) -> str:
    """The CPU training throughput rows of docs/benchmarks.json (one per CPU kind, backend,
    precision and config; `benchmarks/train_throughput.py --record`)."""
    data = json.loads((root / "docs" / "benchmarks.json").read_text(encoding="utf-8"))
    rows = ["| CPU kind | backend | config | ours | Keras `LSTM` | torch `nn.LSTM` "
            "| ours / torch | measured |", "|---|---|---|---|---|---|---|---|"]

    def rate(value: int | None) -> str:
        return "—" if value is None else f"{value:,}"

    for r in data.get("train_throughput", []):
        ratio = (f"**{r['ours'] / r['torch']:.2f}×**" if r.get("ours") and r.get("torch")
                 else "—")
        rows.append(f"| {r['cpu']} ({r['cpus']} cores) | {r['backend']}, {r['precision']} "
                    f"| {r['config']} | {rate(r.get('ours'))} | {rate(r.get('keras'))} "
                    f"| {rate(r.get('torch'))} | {ratio} | {r['date']}, {r['windows']}, "
                    f"load {r['load'][0]}–{r['load'][1]} |")
    return "\n".join(rows) + "\n"


DATA: dict[str, Callable[[], str]] = {"speed": speed_table, "train": train_table}


def render(text: str, runner: Callable[[Sample], str] = run_sample) -> str:
    """`text` with every marked block regenerated."""

    def replace(m: re.Match[str]) -> str:
        body = DATA[m["args"].strip()]() if m["data"] else runner(Sample.parse(m["args"]))
        return m["open"] + body + m["close"]

    return BLOCK.sub(replace, text)


VOLATILE = re.compile(r"\d+(?:[.,]\d+)*(?:e[+-]?\d+)?|[▁▂▃▄▅▆▇█]+")


def masked(text: str) -> str:
    """`text` with numbers and bar strips replaced, for samples marked ``--volatile``."""
    return re.sub(r"\s+", " ", VOLATILE.sub("#", text))


def differences(text: str, runner: Callable[[Sample], str] = run_sample,
                want: Callable[[Sample], bool] = lambda s: True) -> list[str]:
    """The marked blocks of `text` (those `want` selects) whose body is not what the
    command prints now: one description each."""
    out = []
    for m in BLOCK.finditer(text):
        if m["data"]:
            new, old, label = DATA[m["args"].strip()](), m["body"], f"data {m['args']}"
        else:
            sample = Sample.parse(m["args"])
            if not want(sample):
                continue
            new, old, label = runner(sample), m["body"], f"rnninspect {m['args']}"
            if sample.volatile:
                new, old = masked(new), masked(old)
        if new != old:
            out.append(label)
    return out


def doc_files(root: Path = ROOT) -> list[Path]:
    return sorted({p for pattern in FILES for p in root.glob(pattern)})


def stale(root: Path = ROOT, runner: Callable[[Sample], str] = run_sample
          ) -> dict[Path, tuple[str, str]]:
    """{file: (current text, regenerated text)} for every file whose samples are stale."""
    out = {}
    for path in doc_files(root):
        text = path.read_text(encoding="utf-8")
        new = render(text, runner)
        if new != text:
            out[path] = (text, new)
    return out


@contextlib.contextmanager
def memoized_inspect(inspect: Callable[..., Any] | None = None) -> Iterator[None]:
    """Within the block, `rnninspect.api.inspect` traces each (model, options) once."""
    import rnninspect.api as api

    original = api.inspect
    base = inspect or original
    cache: dict[tuple[Any, ...], Any] = {}

    def cached(spec: Any, **options: Any) -> Any:
        options = {k: v for k, v in options.items() if v is not None}
        key = (spec, *sorted(options.items()))
        if key not in cache:
            cache[key] = base(spec, **options)
        return cache[key]

    api.inspect = cached  # type: ignore[assignment]
    try:
        yield
    finally:
        api.inspect = original  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale blocks, write nothing")
    args = parser.parse_args(argv)
    with memoized_inspect():
        if args.check:  # as tests/test_docs.py compares: volatile figures masked
            found = [f"{p.relative_to(ROOT)}: {label}" for p in doc_files()
                     for label in differences(p.read_text(encoding="utf-8"))]
            for line in found:
                print(f"stale: {line} (run python scripts/gen_docs.py)")
            return 1 if found else 0
        changed = stale()
    for path, (_old, new) in changed.items():
        path.write_text(new, encoding="utf-8")
        print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
