"""A GRU text classifier with an `AttentionWithContext` layer written by hand in Keras.

Follows the Kaggle "Hierarchical Attention Networks" kernels (Yang et al. 2016, the
widely copied `AttentionWithContext` / `Attention` Keras layer): `W` [d, d], `b` [d] and a
context vector `u` [d] made with `add_weight`; `uit = tanh(dot_product(x, W) + b)`, `ait =
dot_product(uit, u)` where `dot_product(x, kernel)` is `squeeze(dot(x, expand_dims(kernel)),
-1)` for a vector, `a = exp(ait) / sum(exp(ait))`, output `sum(x * a[..., None], 1)`. Word
level only: `Embedding`, `Bidirectional(GRU(return_sequences=True))`, the attention, a
softmax `Dense`. Keras 3, written after its structure, tiny sizes.
"""

import keras
from keras import ops

V, T, E, H, C = 30, 6, 4, 3, 2


class AttentionWithContext(keras.layers.Layer):
    def build(self, input_shape):
        d = input_shape[-1]
        self.W = self.add_weight(shape=(d, d), initializer="glorot_uniform", name="W")
        self.b = self.add_weight(shape=(d,), initializer="zeros", name="b")
        self.u = self.add_weight(shape=(d,), initializer="glorot_uniform", name="u")

    def call(self, x):
        uit = ops.tanh(ops.matmul(x, self.W) + self.b)
        ait = ops.squeeze(ops.matmul(uit, ops.expand_dims(self.u, -1)), -1)
        a = ops.exp(ait)
        a = a / ops.sum(a, axis=1, keepdims=True)
        return ops.sum(x * ops.expand_dims(a, -1), axis=1)


def build():
    ids = keras.Input((T,), dtype="int32", batch_size=2, name="ids")
    x = keras.layers.Embedding(V, E, name="embed")(ids)
    x = keras.layers.Bidirectional(keras.layers.GRU(H, return_sequences=True, name="gru"),
                                   name="bigru")(x)
    x = AttentionWithContext(name="att")(x)
    out = keras.layers.Dense(C, activation="softmax", name="out")(x)
    return keras.Model(ids, out, name="han")


# Ground truth. embed 30*4 = 120; each GRU direction (reset_after): [4, 9] 36 + [3, 9] 27 +
# [2, 9] 18 = 81, 162; att W [6, 6] 36 + b 6 + u 6 = 48; out 6*2 + 2 = 14. 344 in all. The
# attention reads the GRU outputs after both loops: W and u multiply (matmul) values made
# from them (hidden→output), b is added onto W's product (bias).
_F = "bigru/forward_gru/gru_cell/"
_B = "bigru/backward_gru/gru_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "Kaggle HAN AttentionWithContext (W, b, context vector u) over a BiGRU",
    "total_params": 344,
    "num_steps": None,
    "variables": {
        "embed/embeddings": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        _F + "kernel": {"role": "input_to_hidden", "cell": "f", "layer": 0,
                        "direction": "forward", "steps": "dynamic"},
        _F + "recurrent_kernel": {"role": "hidden_to_hidden", "cell": "f", "layer": 0,
                                  "direction": "forward", "steps": "dynamic"},
        _F + "bias": {"role": "bias", "cell": "f", "layer": 0, "direction": "forward",
                      "steps": "dynamic"},
        _B + "kernel": {"role": "input_to_hidden", "cell": "b", "layer": 0,
                        "direction": "backward", "steps": "dynamic"},
        _B + "recurrent_kernel": {"role": "hidden_to_hidden", "cell": "b", "layer": 0,
                                  "direction": "backward", "steps": "dynamic"},
        _B + "bias": {"role": "bias", "cell": "b", "layer": 0, "direction": "backward",
                      "steps": "dynamic"},
        "att/W": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "att/b": {"role": "bias", "cell": None, "layer": None, "steps": []},
        "att/u": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
