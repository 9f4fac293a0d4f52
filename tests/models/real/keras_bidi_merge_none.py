"""`Bidirectional(GRU, merge_mode=None)`: the two directions' outputs kept apart, one head each.

Follows the Keras `Bidirectional` docs' `merge_mode=None` ("the outputs will not be combined,
they will be returned as a list") as used by models that score the two readings separately
and add them (e.g. per-direction heads in sequence labelling notebooks): features
[batch, T, F], `Bidirectional(GRU(units), merge_mode=None)` returning `[fw, bw]`, a `Dense`
on each, `Add`. Functional model, Keras 3. Written after its structure, tiny sizes.
"""

import keras

T, F, H, C = 5, 3, 4, 2


def build():
    x = keras.Input((T, F), batch_size=2, name="x")
    fw, bw = keras.layers.Bidirectional(keras.layers.GRU(H, name="gru"), merge_mode=None,
                                        name="bidi")(x)
    out = keras.layers.Add(name="add")([keras.layers.Dense(C, name="head_fw")(fw),
                                        keras.layers.Dense(C, name="head_bw")(bw)])
    return keras.Model(x, out, name="nomerge")


# Ground truth. Each GRU direction (reset_after): [3, 12] 36 + [4, 12] 48 + [2, 12] 24 =
# 108, 216; each head 4*2 + 2 = 10, 20. 236 in all. head_fw reads only the forward final
# state, head_bw only the backward one.
_F = "bidi/forward_gru/gru_cell/"
_B = "bidi/backward_gru/gru_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "Keras Bidirectional(GRU, merge_mode=None) with one Dense per direction",
    "total_params": 236,
    "num_steps": None,
    "variables": {
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
        "head_fw/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                           "steps": []},
        "head_fw/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
        "head_bw/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                           "steps": []},
        "head_bw/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "links": [["input", "f"], ["input", "b"], ["f", "head_fw/kernel"],
              ["b", "head_bw/kernel"], ["head_fw/kernel", "head_fw/bias"],
              ["head_bw/kernel", "head_bw/bias"], ["head_fw/bias", "output"],
              ["head_bw/bias", "output"]],
    "findings": {},
}
