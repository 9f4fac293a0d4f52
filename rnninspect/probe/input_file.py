"""`--input FILE.npz`: one array per model input, checked before anything runs (duck-typed
TensorFlow placeholders; `np` passed in).

Each array is found by the input's name (its full op name, its last name component, or its
position `arr_i` as `np.savez` names them) and must have the input's shape (None: any size)
and a dtype of the same kind (integer, float, bool, complex, string): a value is never cast
across kinds, so float data for an id input, or ids for a float input, is one line. Integer
inputs that index an embedding (or are a sparse cross-entropy's labels) must lie in
[0, rows): an id beyond the vocabulary would gather nothing on a CPU and garbage on a GPU.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnninspect.errors import InvalidOptionError
from rnninspect.tf.feeds import check_float_ids, id_range

KINDS = {"i": "integer", "u": "integer", "f": "float", "b": "bool", "c": "complex",
         "S": "string", "U": "string", "O": "string"}


def file_feed(np: Any, placeholders: list[Any], path: str) -> tuple[dict[Any, Any], str]:
    """placeholder tensor -> its checked array from `path`, and one line saying so."""
    try:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise InvalidOptionError(f"--input {path}: cannot read it as a .npz file ({first})"
                                 ) from e
    feed: dict[Any, Any] = {}
    for i, op in enumerate(placeholders):
        key = _key(op, i, arrays, placeholders, path)
        value = arrays[key]
        _check_shape(op, key, value, path)
        _check_kind(np, op, key, value, path)
        _check_ids(np, op, key, value, path)
        feed[op.outputs[0]] = value.astype(op.outputs[0].dtype.as_numpy_dtype)
    return feed, f"inputs from {Path(path).name}"


def _key(op: Any, i: int, arrays: dict[str, Any], placeholders: list[Any], path: str) -> str:
    keys = [op.name, op.name.split("/")[-1], f"arr_{i}"]
    key: str | None = next((k for k in keys if k in arrays), None)
    if key is None and len(placeholders) == 1 and len(arrays) == 1:
        key = str(next(iter(arrays)))
    if key is None:
        raise InvalidOptionError(
            f"--input {path}: no array for input {op.name!r}; name it so (np.savez(path, "
            f"**{{{op.name.split('/')[-1]!r}: array}})); found {', '.join(arrays) or 'none'}")
    return key


def _check_shape(op: Any, key: str, value: Any, path: str) -> None:
    want = op.outputs[0].shape
    if want.rank is not None and (value.ndim != want.rank or any(
            d is not None and d != s for d, s in zip(want.as_list(), value.shape,
                                                     strict=True))):
        raise InvalidOptionError(
            f"--input {path}: {key!r} has shape {tuple(value.shape)}; input {op.name!r} "
            f"takes {tuple(want.as_list())} (None: any size)")


def _check_kind(np: Any, op: Any, key: str, value: Any, path: str) -> None:
    dtype = op.outputs[0].dtype
    want = KINDS.get(np.dtype(dtype.as_numpy_dtype).kind, dtype.name)
    got = KINDS.get(value.dtype.kind, str(value.dtype))
    if want != got:
        raise InvalidOptionError(
            f"--input {path}: {key!r} is {value.dtype} ({got}); input {op.name!r} takes "
            f"{dtype.name}: save the array as {want} data")
    check_float_ids(op, op.name)


def _check_ids(np: Any, op: Any, key: str, value: Any, path: str) -> None:
    found = ids_outside(np, op, value)
    if found is None:
        return
    what, bad, where, rows = found
    raise InvalidOptionError(
        f"--input {path}: {key!r} holds {what} {bad} at {where}, outside [0, {rows}) for "
        f"input {op.name!r}: ids beyond the vocabulary; map them into [0, {rows}) (e.g. "
        f"to the unknown-word id) or build the model with a larger vocabulary")


def ids_outside(np: Any, op: Any, value: Any) -> tuple[str, int, tuple[int, ...], int] | None:
    """(what, the first bad value, where, rows) when the integer `value` fed to `op` indexes
    an embedding (or is a sparse cross-entropy's labels) outside [0, rows); else None."""
    if value.dtype.kind not in "iu" or value.size == 0:
        return None
    found = id_range(op)
    if found is None or found[0] == "one-hot labels":
        return None
    what, rows = found
    low, high = int(np.min(value)), int(np.max(value))
    if low >= 0 and high < rows:
        return None
    bad = high if high >= rows else low
    return what, bad, tuple(int(i) for i in np.argwhere(value == bad)[0]), rows
