"""User code that goes wrong in the ways rnninspect must explain in one line."""

import keras

HIDDEN = 4


def _check(hidden):
    if hidden < 1:
        raise ValueError(f"hidden size must be positive, got {hidden}")


def raises():
    _check(-HIDDEN)
    return keras.Sequential()


def returns_dict():
    return {"lstm": HIDDEN}


def needs_args(hidden, steps=3):
    return hidden, steps
