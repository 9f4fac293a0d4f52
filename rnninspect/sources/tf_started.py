"""TensorFlow settings that only a fresh process may change, explained in user terms.

`tf.config.threading.set_intra_op_parallelism_threads`, `set_visible_devices`,
`set_memory_growth` and their kind raise ``RuntimeError: ... cannot be modified after
initialization`` once TensorFlow's runtime has started. Under ``python model.py`` the user's
call comes first; under rnninspect, rnninspect has already started TensorFlow (to trace
other models, to probe devices), so the same line fails. `explain` returns one line that says
so, names the user's line, and gives the way around it (guard the call, or the environment
variable TensorFlow reads at start-up), or None for any other error.
"""

from __future__ import annotations

from rnninspect.sources.frames import last_user_frame

# The start of TensorFlow's message -> (what the call sets, the environment's way to set it).
SETTINGS: dict[str, tuple[str, str | None]] = {
    "Intra op parallelism cannot be modified": (
        "intra-op threads", "TF_NUM_INTRAOP_THREADS=N in the environment"),
    "Inter op parallelism cannot be modified": (
        "inter-op threads", "TF_NUM_INTEROP_THREADS=N in the environment"),
    "Visible devices cannot be modified": (
        "the visible devices", "CUDA_VISIBLE_DEVICES in the environment"),
    "Physical devices cannot be modified": (
        "GPU memory growth", "TF_FORCE_GPU_ALLOW_GROWTH=true in the environment"),
    "Virtual devices cannot be modified": ("the logical devices", None),
    "Operation timeout cannot be modified": ("the operation timeout", None),
}
GUARD = "guard the call (`try: ... except RuntimeError: pass`)"


def explain(error: BaseException, user_file: str, shown_as: str) -> str | None:
    if not isinstance(error, RuntimeError):
        return None
    text = str(error)
    found = next((v for k, v in SETTINGS.items() if k in text), None)
    if found is None:
        return None
    what, env = found
    frame = last_user_frame(error, user_file, shown_as)
    at = frame.where() if frame else shown_as
    fix = f"{GUARD}, or set {env} instead" if env else GUARD
    return (f"{at} sets {what}, which TensorFlow allows only before it starts, and rnninspect "
            f"had already started TensorFlow to trace your model; the call works when your "
            f"script runs alone; under rnninspect {fix}")
