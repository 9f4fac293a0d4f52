"""`--data`'s batch onto a graph's placeholders (duck-typed TensorFlow; `np` passed in).

Each placeholder takes the part of the batch the graph uses it as (`tf.feeds.id_range`):
an input that indexes an embedding takes the ids `x`; a sparse cross-entropy's labels take
`y`; a dense one's take `y` one-hot; a float input of the images' rank takes the images.
A placeholder built for a smaller batch or fewer steps (a copy of the model at T = 1) takes
the leading part. The others (a learning rate, a keep probability) are filled by `fill`, the
synthetic batch. Ids outside an embedding's rows are one line: the data's vocabulary is
larger than the model's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rnninspect.errors import InvalidOptionError
from rnninspect.probe.data import DataBatch
from rnninspect.probe.input_file import ids_outside
from rnninspect.tf.feeds import id_range

Fill = Callable[[list[Any]], tuple[dict[Any, Any], str]]


def data_feed(np: Any, placeholders: list[Any], batch: DataBatch, flag: str,
              fill: Fill) -> tuple[dict[Any, Any], str]:
    """placeholder tensor -> its value, and one line saying where the values came from."""
    feed: dict[Any, Any] = {}
    rest: list[Any] = []
    took_x = False
    for op in placeholders:
        tensor = op.outputs[0]
        found = id_range(op)
        kind = found[0] if found is not None else None
        if kind == "ids" or (kind is None and tensor.dtype.is_floating
                             and batch.x.dtype.kind == "f" and tensor.shape.rank == batch.x.ndim):
            value, took_x = batch.x, True
        elif kind == "labels":
            value = batch.y
        elif kind == "one-hot labels" and found is not None:
            value = np.eye(found[1])[batch.y]
        else:
            rest.append(op)
            continue
        value = _leading(value, tensor, flag)
        bad = ids_outside(np, op, value)
        if bad is not None:
            what, high, where, rows = bad
            raise InvalidOptionError(
                f"{flag}: {what} {high} at {where}, outside [0, {rows}) of input {op.name!r}: "
                f"the data's vocabulary ({batch.vocab_size or high + 1:,} words) is larger "
                f"than the model's ({rows:,}); drop --vocab (the model then takes the "
                "data's size)")
        feed[tensor] = value.astype(tensor.dtype.as_numpy_dtype)
    if not took_x:
        raise InvalidOptionError(
            f"{flag}: no input of the model takes the data's "
            f"{'ids' if batch.x.dtype.kind in 'iu' else 'images'} {tuple(batch.x.shape)}")
    note = f"data: {batch.source}"
    if rest:
        filled, said = fill(rest)
        feed.update(filled)
        note += f"; the other inputs: {said}"
    return feed, note


def _leading(value: Any, tensor: Any, flag: str) -> Any:
    """The leading part of `value` that `tensor`'s known dimensions take."""
    dims = tensor.shape.as_list() if tensor.shape.rank is not None else None
    if dims is None:
        return value
    if len(dims) != value.ndim or any(d is not None and d > s
                                      for d, s in zip(dims, value.shape, strict=True)):
        raise InvalidOptionError(
            f"{flag}: input {tensor.op.name!r} takes {tuple(dims)} (None: any size); the "
            f"data's batch is {tuple(value.shape)}: drop --batch / --num-steps or match them")
    return value[tuple(slice(0, d) for d in dims)]
