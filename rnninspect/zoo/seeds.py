"""The two seed programs as zoo families: the PTB word LM and the MNIST row classifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rnninspect.zoo.base import LegacyGraph, ZooModel
from rnninspect.zoo.configs import MNISTConfig, PTBConfig


@dataclass(frozen=True)
class PTBFamily(ZooModel[PTBConfig]):
    """ptb_word_lm.py: int32 ids `[batch, steps]`; the Keras model also returns its states."""

    def build_legacy(self, config: PTBConfig, seed: int | None) -> LegacyGraph:
        from rnninspect.zoo import legacy

        return legacy.build_ptb(config, self.variant, seed)

    def build_keras(self, config: PTBConfig) -> Any:
        from rnninspect.zoo import keras_models

        return keras_models.build_ptb(config, self.variant)

    def signature(self, config: PTBConfig) -> list[Any]:
        import tensorflow as tf

        return [tf.TensorSpec([config.batch_size, config.num_steps], tf.int32, "ids")]

    def logits(self, model: Any, inputs: Sequence[Any]) -> Any:
        return super().logits(model, inputs)[0]  # (logits, final states) for truncated BPTT

    def int_high(self, config: PTBConfig) -> int:
        return config.vocab_size

    def data_family(self) -> str | None:
        return "ptb"

    def owns(self, model_obj: Any) -> bool:
        return _keras_class(model_obj) == "PTBModel"


@dataclass(frozen=True)
class MNISTFamily(ZooModel[MNISTConfig]):
    """recurrent_network.py: float32 rows `[batch, steps, n_input]`."""

    def build_legacy(self, config: MNISTConfig, seed: int | None) -> LegacyGraph:
        from rnninspect.zoo import legacy

        return legacy.build_mnist(config, self.variant, seed)

    def build_keras(self, config: MNISTConfig) -> Any:
        from rnninspect.zoo import keras_models

        return keras_models.build_mnist(config, self.variant)

    def signature(self, config: MNISTConfig) -> list[Any]:
        import tensorflow as tf

        return [tf.TensorSpec([config.batch_size, config.num_steps, config.n_input],
                              tf.float32, "x")]

    def data_family(self) -> str | None:
        return "mnist"

    def owns(self, model_obj: Any) -> bool:
        return _keras_class(model_obj) == "MNISTModel"


def _keras_class(model_obj: Any) -> str | None:
    cls = type(model_obj)
    return cls.__name__ if cls.__module__ == "rnninspect.zoo.keras_models" else None


@dataclass(frozen=True)
class PTBMainFamily(PTBFamily):
    """ptb_word_lm.py as `main()` builds it: Train/Valid/Test copies and the training ops."""

    def build_legacy(self, config: PTBConfig, seed: int | None) -> LegacyGraph:
        from rnninspect.zoo import whole_programs

        return whole_programs.build_ptb_main(config, seed)


@dataclass(frozen=True)
class MNISTTrainFamily(MNISTFamily):
    """recurrent_network.py with its cost, Adam optimizer and accuracy."""

    def build_legacy(self, config: MNISTConfig, seed: int | None) -> LegacyGraph:
        from rnninspect.zoo import whole_programs

        return whole_programs.build_mnist_train(config, seed)
