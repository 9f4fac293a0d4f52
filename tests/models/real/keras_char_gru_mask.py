"""A character-level classifier: `Embedding(mask_zero=True)` -> `GRU` -> `Dense`.

Follows the Keras guide "Masking and padding" (its `Embedding(input_dim, output_dim,
mask_zero=True)` recipe) as used by the char-level name/language classifiers: zero-padded
character ids, the mask carried by the embedding into a `GRU`, a softmax `Dense` on the last
state. Sequential model, Keras 3. Written after its structure, tiny sizes.
"""

import keras

N_CHARS, MAXLEN, EMBED, H, C = 28, 6, 4, 5, 3


def build():
    return keras.Sequential([
        keras.Input((MAXLEN,), dtype="int32", batch_size=2),
        keras.layers.Embedding(N_CHARS, EMBED, mask_zero=True, name="chars"),
        keras.layers.GRU(H, name="gru"),
        keras.layers.Dense(C, activation="softmax", name="lang"),
    ], name="charclf")


# Ground truth. Embedding 28*4 = 112; GRU (reset_after): 4*15 + 5*15 + 2*15 = 165; Dense
# 5*3 + 3 = 18. 295 in all. The mask selects between the new and the carried state in the
# loop body (no weight of its own).
EXPECTED = {
    "builder": "build",
    "mirrors": "Keras guide 'Masking and padding': Embedding(mask_zero=True) -> GRU -> Dense",
    "total_params": 295,
    "num_steps": None,
    "variables": {
        "charclf/chars/embeddings": {"role": "embedding", "cell": None, "layer": None,
                                     "steps": []},
        "charclf/gru/gru_cell/kernel": {"role": "input_to_hidden", "cell": "gru", "layer": 0,
                                        "steps": "dynamic"},
        "charclf/gru/gru_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "gru",
                                                  "layer": 0, "steps": "dynamic"},
        "charclf/gru/gru_cell/bias": {"role": "bias", "cell": "gru", "layer": 0,
                                      "steps": "dynamic"},
        "charclf/lang/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                                "steps": []},
        "charclf/lang/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
