"""A seeded synthetic batch for a graph's placeholders, shaped and typed as they are.

Integer inputs get values the model can use, found by following each placeholder forward
through shape-only ops: ids gathered from an embedding lie in [0, rows), class labels of a
sparse cross-entropy in [0, classes), anything else (sequence lengths) is the full length T.
Float labels of a dense cross-entropy are one-hot rows (normal noise would make it negative);
a float input the model casts to ids (a Keras `Input` left float32 before an `Embedding`) gets
whole numbers in range, as Keras feeds it.
Unknown dimensions take ``--batch`` (default 2); float scalars (keep probabilities) are 1.0.
A program that fixes its batch size elsewhere (a reshape to ``[batch_size, T, C]``, a
``zero_state(batch_size)``) shows it in the graph: `sizes_the_graph_fixes` reads it.
"""

from __future__ import annotations

from typing import Any

from rnninspect.errors import InvalidOptionError

DEFAULT_BATCH = 2
# Ops that carry a placeholder's values on without computing new ones.
_CARRY = frozenset({"Identity", "Reshape", "StridedSlice", "Slice", "Transpose", "Unpack",
                    "Squeeze", "ExpandDims", "Split", "SplitV", "ConcatV2", "Pack", "Cast"})
# sparse: int labels in [0, classes); dense: float one-hot rows of `classes` columns
_CROSS_ENTROPY = {"SparseSoftmaxCrossEntropyWithLogits": "labels",
                  "SoftmaxCrossEntropyWithLogits": "one-hot labels"}
# a Keras 3 lookup maps negative ids first: where(ids < 0, ids + rows, ids)
_SELECT = frozenset({"SelectV2", "Select"})
_GATHER = {"GatherV2": 1, "Gather": 1, "ResourceGather": 1, "GatherNd": 1,
           "ResourceGatherNd": 1}


def id_range(placeholder: Any) -> tuple[str, int] | None:
    """('ids', rows) when the placeholder's values index an embedding, ('labels', classes)
    when they are a sparse cross-entropy's labels, ('one-hot labels', classes) a dense
    one's; None otherwise. Follows `Cast` too, so a
    float input used as ids is caught (see `check_float_ids`)."""
    frontier, seen = [placeholder.outputs[0]], set()
    while frontier:
        tensor = frontier.pop()
        for consumer in tensor.consumers():
            if consumer.name in seen:
                continue
            seen.add(consumer.name)
            position = [i for i, t in enumerate(consumer.inputs) if t is tensor]
            if consumer.type in _GATHER and _GATHER[consumer.type] in position:
                rows = _rows(consumer)
                if rows:
                    return "ids", rows
            elif consumer.type in _CROSS_ENTROPY and 1 in position:
                classes = consumer.inputs[0].shape[-1]
                if classes is None and consumer.type == "SoftmaxCrossEntropyWithLogits":
                    # a reshape hid it from the logits; dense labels have it as their own
                    classes = placeholder.outputs[0].shape[-1]
                if classes is not None:
                    return _CROSS_ENTROPY[consumer.type], int(classes)
            elif consumer.type in _CARRY or (consumer.type in _SELECT and 0 not in position):
                frontier.extend(consumer.outputs)
    return None


def _rows(gather: Any) -> int | None:
    params = gather.inputs[0]
    if params.dtype.name == "resource":
        source = params.op
        while source.type in ("Identity", "Enter") and source.inputs:
            source = source.inputs[0].op
        if "shape" in source.node_def.attr:
            dims = source.get_attr("shape").dim
            return int(dims[0].size) if dims and dims[0].size > 0 else None
        return None
    first = params.shape[0] if params.shape.rank else None
    return int(first) if first is not None else None


def check_float_ids(placeholder: Any, shown: str) -> None:
    """A float input whose values end up as integer ids: one line naming it."""
    dtype = placeholder.outputs[0].dtype
    if dtype.is_integer or dtype.name == "bool":
        return
    found = id_range(placeholder)
    if found is not None and found[0] != "one-hot labels":
        raise InvalidOptionError(
            f"input {shown!r} is {dtype.name} but the model uses it as integer "
            f"{found[0]} (in [0, {found[1]})); declare it tf.int32 (a placeholder or "
            "TensorSpec of an integer dtype) so it can be fed ids")


def synthetic_feed(np: Any, graph: Any, placeholders: list[Any], seed: int,
                   batch: int | None, num_steps: int | None) -> tuple[dict[Any, Any], str]:
    """placeholder tensor -> a seeded value, and one line saying how the batch was made."""
    rng = np.random.default_rng(seed)
    size = batch or DEFAULT_BATCH
    length = feed_length(placeholders, num_steps)
    feed: dict[Any, Any] = {}
    said: list[str] = []
    for op in placeholders:
        tensor = op.outputs[0]
        dims = tensor.shape.as_list() if tensor.shape.rank is not None else [size]
        shape = [d if d is not None else size for d in dims]
        dtype = tensor.dtype
        if dtype.is_integer:
            found = id_range(op)
            if found is not None and found[0] != "one-hot labels":
                feed[tensor] = rng.integers(0, found[1], size=shape).astype(
                    dtype.as_numpy_dtype)
                said.append(f"{op.name}: {found[0]} in [0, {found[1]})")
            else:
                feed[tensor] = np.full(shape, length, dtype=dtype.as_numpy_dtype)
                said.append(f"{op.name}: lengths = {length}")
        elif dtype.is_floating and (found := id_range(op)) is not None \
                and found[0] != "one-hot labels":
            # ids the model casts from floats (a Keras Input left float32 before an
            # Embedding): whole numbers in range, as Keras itself feeds them
            feed[tensor] = rng.integers(0, found[1], size=shape).astype(dtype.as_numpy_dtype)
            said.append(f"{op.name}: {found[0]} in [0, {found[1]}) as {dtype.name}")
        elif dtype.is_floating and shape and (found := id_range(op)) is not None \
                and found[0] == "one-hot labels" and shape[-1] == found[1]:
            rows = rng.integers(0, found[1], size=shape[:-1])
            feed[tensor] = np.eye(found[1], dtype=dtype.as_numpy_dtype)[rows]
            said.append(f"{op.name}: one-hot labels of {found[1]} classes")
        elif dtype.name == "bool":
            feed[tensor] = np.zeros(shape, dtype=bool)
            said.append(f"{op.name}: False")
        elif not shape:
            feed[tensor] = np.asarray(1.0, dtype=dtype.as_numpy_dtype)
            said.append(f"{op.name}: 1.0")
        else:
            feed[tensor] = rng.standard_normal(shape).astype(dtype.as_numpy_dtype)
    note = (f"synthetic batch (seed {seed}, unknown dimensions = {size}): standard normal "
            "floats" + ("; " + "; ".join(said) if said else ""))
    return feed, note


def feed_length(placeholders: list[Any], num_steps: int | None) -> int:
    """What sequence-length inputs are fed: the number of steps, else the longest known
    time dimension of the float inputs, else 1."""
    return num_steps or _longest(placeholders) or 1


def _longest(placeholders: list[Any]) -> int | None:
    """The longest known time dimension (dimension 1) among the float inputs."""
    found = [op.outputs[0].shape.as_list()[1] for op in placeholders
             if op.outputs[0].dtype.is_floating and (op.outputs[0].shape.rank or 0) >= 2]
    known = [int(d) for d in found if d is not None]
    return max(known) if known else None


def sizes_the_graph_fixes(placeholders: list[Any]) -> list[int]:
    """Sizes the graph itself gives the placeholders' unknown dimensions, most often seen
    first: a float or int tensor computed from a placeholder whose shape is the
    placeholder's own with every unknown dimension known (labels [None, T] meeting logits
    reshaped to a fixed [1, T]; a mask multiplied by them). Candidates to try when the
    default size does not fit, not a proof."""
    counts: dict[int, int] = {}
    for placeholder in placeholders:
        shape = placeholder.outputs[0].shape
        if shape.rank is None or shape.is_fully_defined():
            continue
        dims = shape.as_list()
        frontier, seen = list(placeholder.outputs), {placeholder.name}
        while frontier:
            for consumer in frontier.pop().consumers():
                if consumer.name in seen:
                    continue
                seen.add(consumer.name)
                frontier.extend(consumer.outputs)
                for out in consumer.outputs:
                    size = _fixed_size(dims, out.shape)
                    if size is not None:
                        counts[size] = counts.get(size, 0) + 1
    return sorted(counts, key=lambda size: (-counts[size], size))


def _fixed_size(dims: list[int | None], shape: Any) -> int | None:
    """The one size `shape` gives all of `dims`' unknown dimensions, when it matches `dims`
    everywhere else; None otherwise."""
    if shape.rank != len(dims) or not shape.is_fully_defined():
        return None
    got = shape.as_list()
    if any(d is not None and d != g for d, g in zip(dims, got, strict=True)):
        return None
    sizes = {g for d, g in zip(dims, got, strict=True) if d is None}
    return sizes.pop() if len(sizes) == 1 and min(sizes) > 0 else None
