"""Which devices train, per backend, and the data-parallel setup over several of them.

TensorFlow: `tf.distribute.MirroredStrategy` when more than one device is visible (GPUs, or
logical CPU devices someone configured); JAX: `keras.distribution.DataParallel`; PyTorch: one
device. Only the active backend's framework is imported.
"""

from __future__ import annotations

import keras

from rnninspect.errors import BackendError, InvalidOptionError
from rnninspect.train.placement import Placement


class NoGPUError(BackendError):
    """--require-gpu or --device gpu, and the backend sees no GPU."""


def _gpus(backend: str) -> list[str]:
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_logical_devices("GPU")]
    if backend == "jax":
        import jax

        return [str(d) for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    raise BackendError(f"KERAS_BACKEND={backend} is not supported; use tensorflow, jax or torch")


def place(device: str, require_gpu: bool) -> Placement:
    """Devices for `--device {auto,cpu,gpu}`; a clear error when a GPU is required but absent."""
    if device not in ("auto", "cpu", "gpu"):
        raise InvalidOptionError(f"--device must be auto, cpu or gpu; got {device!r}")
    backend = keras.backend.backend()
    gpus = _gpus(backend)
    if (require_gpu or device == "gpu") and not gpus:
        raise NoGPUError(
            f"no GPU visible to the {backend} backend; check the driver/CUDA build, "
            "try KERAS_BACKEND=jax or torch, or drop --require-gpu / --device gpu"
        )
    use_gpu = bool(gpus) and device != "cpu"
    from rnninspect.train import distributed

    if distributed.active() is not None:
        return distributed.placement(backend, use_gpu)
    if backend == "tensorflow":
        import tensorflow as tf

        names = gpus if use_gpu else [d.name for d in tf.config.list_logical_devices("CPU")]
        if len(names) > 1:
            strategy = tf.distribute.MirroredStrategy(names)
        elif not use_gpu and gpus:
            strategy = tf.distribute.OneDeviceStrategy(names[0])
        else:
            strategy = tf.distribute.get_strategy()
        return Placement(backend, names, use_gpu, strategy=strategy)
    if backend == "jax":
        import jax

        devs = [d for d in jax.devices() if d.platform == "gpu"] if use_gpu else jax.devices("cpu")
        dist = keras.distribution.DataParallel(devices=devs) if len(devs) > 1 else None
        return Placement(backend, [str(d) for d in devs], use_gpu, distribution=dist)
    notes = ["PyTorch backend: one device (no DistributedDataParallel)"] if len(gpus) > 1 else []
    return Placement(backend, gpus[:1] if use_gpu else ["cpu"], use_gpu, notes=notes)
