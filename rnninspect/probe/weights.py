"""Where probe's weights come from: the program's initialisers, a `--checkpoint`, or the run
directory `rnninspect train --checkpoint DIR` wrote (duck-typed: no TensorFlow import).

- A *run* (`DIR/checkpoint.npz`, or that file): every model variable in creation order, then
  the optimizer's, and the run record (family, config). Its values are assigned to the Keras
  model's variables in order; each must have the model variable's shape, so a checkpoint of
  another model (or of another config) stops at the first variable that differs, named.
- A *TF checkpoint* (a prefix `model.ckpt-100`, its `.index`, or a directory holding a
  `checkpoint` file) restores a TF1 graph by variable name: every trainable variable of the
  graph must be there with its shape; others (counters, optimizer slots) keep their
  initialisers when absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnninspect.errors import InvalidOptionError
from rnninspect.sources.checkpoint import latest_checkpoint

RUN_FILE = "checkpoint.npz"
MODEL_FILE = "model.keras"


@dataclass(frozen=True)
class Weights:
    """`kind` "run": `path` is a run's checkpoint.npz; "tf": a TF checkpoint prefix or a
    directory holding one (resolved with tf.train.latest_checkpoint where TF runs)."""

    kind: str
    path: str
    given: str  # as the user wrote it, for messages


def run_file(path: Path) -> Path | None:
    """The run checkpoint `path` names (the directory's checkpoint.npz, or the file)."""
    if path.is_dir() and (path / RUN_FILE).is_file():
        return path / RUN_FILE
    if path.is_file() and path.suffix == ".npz":
        return path
    return None


def weights_from(given: str) -> Weights:
    """`--checkpoint PATH` checked: a run's checkpoint.npz or a TF checkpoint, else one line."""
    path = Path(given)
    found = run_file(path)
    if found is not None:
        return Weights("run", str(found), given)
    if path.is_file() and path.suffix == ".index":
        return Weights("tf", str(path.with_suffix("")), given)
    if Path(f"{given}.index").is_file():
        return Weights("tf", given, given)
    if path.is_dir() and ((path / "checkpoint").is_file() or any(path.glob("*.index"))):
        return Weights("tf", given, given)
    what = "no such file or directory" if not path.exists() else "not a checkpoint"
    raise InvalidOptionError(
        f"--checkpoint {given}: {what}; give a run directory of `rnninspect train "
        f"--checkpoint DIR` (or its {RUN_FILE}), or a TF checkpoint prefix (model.ckpt-N)")


def read_run(weights: Weights) -> tuple[dict[str, Any], list[Any]]:
    """(run record, arrays in the order they were saved) of a run checkpoint."""
    from rnninspect.train import checkpoint as ckpt

    snapshot = ckpt.load(Path(weights.path).parent)
    return snapshot.meta, snapshot.variables


def run_note(weights: Weights, meta: dict[str, Any]) -> str:
    """Where the values came from and how far the run had trained when it saved them."""
    position = meta.get("position", {})
    epoch, step = int(position.get("epoch", 0)), int(position.get("step", 0))
    cap = meta.get("settings", {}).get("max_steps")
    per = f" of at most {cap} steps" if cap else ""
    when = (f"in epoch {epoch + 1} after {step} steps" if step else
            f"after {epoch} epoch{'s' if epoch != 1 else ''}{per}")
    return f"weights from the run {weights.given}, saved {when}"


def assign_in_order(variables: list[Any], values: list[Any], given: str) -> None:
    """Assign `values` to `variables` (Keras variables, `.path` and `.shape`) in order; the
    first variable without a value of its shape is one line naming it."""
    for i, var in enumerate(variables):
        name = str(getattr(var, "path", None) or getattr(var, "name", f"variable {i}"))
        want = tuple(int(d) for d in var.shape)
        if i >= len(values):
            raise InvalidOptionError(
                f"--checkpoint {given}: no value for {name} {want} (it holds {len(values)} "
                "arrays): a checkpoint of another model")
        got = tuple(values[i].shape)
        if got != want:
            raise InvalidOptionError(
                f"--checkpoint {given}: {name} is {want} in this model but {got} in the "
                "checkpoint: a checkpoint of another model (or of another --config)")
    for var, value in zip(variables, values, strict=False):
        var.assign(value)


def restore_by_name(tf: Any, graph: Any, session: Any, weights: Weights) -> str:
    """Restore `graph`'s variables from a TF checkpoint after checking every trainable one is
    there with its shape; returns the prefix restored."""
    prefix = weights.path
    if Path(prefix).is_dir():
        prefix = latest_checkpoint(Path(prefix), weights.given) or ""
        if not prefix:
            raise InvalidOptionError(f"--checkpoint {weights.given}: no checkpoint listed in "
                                     "its `checkpoint` file")
    try:
        shapes = tf.train.load_checkpoint(prefix).get_variable_to_shape_map()
    except Exception as e:  # NotFoundError, DataLossError: the file is not a TF checkpoint
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise InvalidOptionError(
            f"--checkpoint {weights.given}: cannot read it as a TF checkpoint ({first})") from e
    with graph.as_default():
        variables = tf.compat.v1.global_variables()
        trainable = {v.op.name for v in tf.compat.v1.trainable_variables()}
    present = []
    for var in variables:
        name, want = var.op.name, var.shape.as_list()
        if name not in shapes:
            if name in trainable:
                raise InvalidOptionError(
                    f"--checkpoint {weights.given}: no value for {name} {tuple(want)}: a "
                    "checkpoint of another model")
            continue
        if list(shapes[name]) != want:
            raise InvalidOptionError(
                f"--checkpoint {weights.given}: {name} is {tuple(want)} in this model but "
                f"{tuple(shapes[name])} in the checkpoint: a checkpoint of another model")
        present.append(var)
    with graph.as_default():
        tf.compat.v1.train.Saver(var_list=present).restore(session, prefix)
    return prefix
