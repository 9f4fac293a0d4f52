"""TensorFlow's own failures while it runs a model, as one line a user can act on.

A model that builds can still fail when rnninspect runs it (`grads`, `probe`): an op with no
kernel on this machine's devices (cuDNN RNNs without a GPU), or an op TensorFlow defines no
gradient for (`LSTMBlockCell`). TensorFlow's message is a page (the op's whole creation
stack); `explain` keeps what names the op and says what to do. No TensorFlow import: it reads
the message text only.
"""

from __future__ import annotations

import re

_NO_KERNEL = re.compile(r"No OpKernel was registered to support Op '([^']+)' used by "
                        r"\{\{node ([^}]+)\}\}")
_DEVICES = re.compile(r"Registered devices: \[([^\]]*)\]")
_NO_GRADIENT = re.compile(r"No gradient defined for operation\s*'([^']+)' \(op type: (\w+)\)")


def explain(error: BaseException) -> str | None:
    """One line for a known framework failure, None for anything else."""
    text = str(error)
    found = _NO_KERNEL.search(text)
    if found:
        op, node = found.groups()
        devices = _DEVICES.search(text)
        where = devices.group(1) if devices else "this machine's"
        return (f"the model's op {node} ({op}) has no kernel on the devices TensorFlow sees "
                f"here ({where}): it needs a GPU (cuDNN); run where one is visible, or build "
                "the model with the generic cells (tf.keras LSTM/GRU, tf.compat.v1 LSTMCell) "
                "— `show`, `sharing` and `diagram` need no run")
    found = _NO_GRADIENT.search(text)
    if found:
        node, op = found.groups()
        return (f"TensorFlow defines no gradient for the model's op {node} ({op}), so no "
                "gradient reaches the weights before it; build the model with cells that "
                "have one (tf.compat.v1 LSTMCell, tf.keras LSTM) to see gradients")
    return None
