"""Import TensorFlow and Keras quietly and with the backend rnninspect needs for tracing."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

from rnninspect.errors import BackendError

SHOW_TF_LOGS = "RNNINSPECT_TF_LOGS"  # set to 1 to see TensorFlow's own log lines


@contextlib.contextmanager
def silenced_native_stderr() -> Iterator[None]:
    """Hide what TensorFlow's C++ side writes to fd 2 (CUDA probing, oneDNN notices).

    Those lines are written before TF_CPP_MIN_LOG_LEVEL is honoured, so the file
    descriptor itself is redirected. Python-level errors still propagate as exceptions.
    """
    if os.environ.get(SHOW_TF_LOGS) == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded consoles)
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def quiet_environment() -> None:
    if os.environ.get(SHOW_TF_LOGS) == "1":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


def import_tensorflow() -> Any:
    quiet_environment()
    first = "tensorflow" not in sys.modules
    with silenced_native_stderr(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow as tf

        if first:
            # Touch the device list once here: that is when CUDA probing logs its errors.
            tf.config.list_logical_devices()
    if first:
        _quiet_python_loggers(tf)
    return tf


def _quiet_python_loggers(tf: Any) -> None:
    if os.environ.get(SHOW_TF_LOGS) == "1":
        return
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")


def import_keras_quietly() -> Any:
    """Keras 3 on whatever backend KERAS_BACKEND names (training), with the framework's
    start-up lines hidden as for tracing. TensorFlow is imported only when it is the backend:
    the JAX and torch paths must work where TensorFlow is not installed."""
    quiet_environment()
    first = "keras" not in sys.modules
    with silenced_native_stderr(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import keras

    if first and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        _quiet_python_loggers(tf)
    return keras


def import_keras_for_tracing() -> Any:
    """Keras 3 on the TensorFlow backend: tracing a model means tracing a TensorFlow graph."""
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "tensorflow"
    import_tensorflow()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise BackendError(
            f"inspection traces TensorFlow graphs, but Keras was already imported with the "
            f"{backend!r} backend; run with KERAS_BACKEND=tensorflow"
        )
    return keras
