"""Training across processes and hosts on the backends' own engines.

TensorFlow: `tf.distribute.MultiWorkerMirroredStrategy` (the cluster from `TF_CONFIG`, which
`--workers`/`--worker-index` write); JAX: `jax.distributed.initialize` (worker 0's address is
the coordinator; CPU collectives over gloo) and `keras.distribution.DataParallel` over every
process's devices. PyTorch: one process only (refused with one line).

The run is the one-process run with the same global batch: every worker reads the whole batch
and feeds the rows of its own replicas (replica r holds rows [r·B/n, (r+1)·B/n), as on one
host), so each replica carries the state of its own row block; gradients are summed across
all replicas, then clipped by global norm once (train/steps.py). Checkpoints: every worker
takes part in gathering the carried state (a collective), only the chief (worker 0) writes,
atomically as always, and records the worker count, which `--resume` must match. Saves happen
at the same steps on every worker (`--checkpoint-every`, default `CHECKPOINT_EVERY`, and each
epoch end), never on a timer, which would fire at different steps on different workers.

Importing this module imports no framework; `start_engine` and `placement` import the
active backend's.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnninspect.errors import BackendError, InvalidOptionError
from rnninspect.train import checkpoint as ckpt
from rnninspect.train.rendezvous import Link, rendezvous, split_address

if TYPE_CHECKING:
    from rnninspect.train.placement import Placement

CHECKPOINT_EVERY = 500  # steps between checkpoints, multi-worker, without --checkpoint-every
PEER_TIMEOUT = 120.0  # seconds a worker waits for the others to check in (--peer-timeout)


@dataclass(frozen=True)
class Cluster:
    addresses: tuple[str, ...]  # worker i's host:port; worker 0 is the chief and coordinator
    index: int  # this worker's
    tf_config: str  # the TF_CONFIG the TensorFlow engine reads

    @property
    def size(self) -> int:
        return len(self.addresses)

    @property
    def chief(self) -> bool:
        return self.index == 0


_CLUSTER: Cluster | None = None
_LINK: Link | None = None
_STRATEGY: Any = None
_TIMEOUT = PEER_TIMEOUT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", metavar="HOST:PORT,...",
        help="train in several processes/hosts: every worker's address, worker 0 first "
        "(the chief); default: the cluster in TensorFlow's cluster variable (docs/training.md), "
        "else one process")
    parser.add_argument("--worker-index", type=int, metavar="I",
                        help="this process's position in --workers (0 = chief)")
    parser.add_argument(
        "--peer-timeout", type=float, metavar="S",
        help=f"seconds to wait for every worker to check in (default {PEER_TIMEOUT:g})")


def cluster_from(args: argparse.Namespace, environ: Mapping[str, str]) -> Cluster | None:
    """The cluster named by --workers/--worker-index or $TF_CONFIG; None for one process."""
    workers, index = getattr(args, "workers", None), getattr(args, "worker_index", None)
    if workers is None:
        if index is not None:
            raise InvalidOptionError("--worker-index needs --workers (every worker's address)")
        return _from_tf_config(environ.get("TF_CONFIG"))
    addresses = tuple(a.strip() for a in workers.split(","))
    for address in addresses:
        _check_address(address, "--workers")
    if len(set(addresses)) != len(addresses):
        twice = next(a for a in addresses if addresses.count(a) > 1)
        raise InvalidOptionError(f"--workers names {twice} twice; give each worker its own port")
    if index is None or not 0 <= index < len(addresses):
        raise InvalidOptionError(
            f"--worker-index must be 0..{len(addresses) - 1} with {len(addresses)} --workers; "
            f"got {index}")
    if len(addresses) == 1:
        return None
    config = {"cluster": {"worker": list(addresses)}, "task": {"type": "worker", "index": index}}
    return Cluster(addresses, index, json.dumps(config))


def _check_address(address: str, where: str) -> None:
    try:
        host, port = split_address(address)
    except ValueError:
        host, port = "", -1
    if not host or not 0 < port < 65536:
        raise InvalidOptionError(f"{where}: {address!r} is not HOST:PORT")


def _from_tf_config(text: str | None) -> Cluster | None:
    if not text:
        return None
    try:
        config = json.loads(text)
        jobs, task = config["cluster"], config["task"]
        # TensorFlow's order: a "chief" job (if any) is worker 0, then the "worker" job.
        addresses = tuple(jobs.get("chief", [])) + tuple(jobs.get("worker", []))
        offset = len(jobs.get("chief", [])) if task["type"] == "worker" else 0
        if task["type"] not in ("chief", "worker") or set(jobs) - {"chief", "worker"}:
            raise ValueError("only chief and worker jobs are supported")
        index = offset + int(task["index"])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InvalidOptionError(f"TF_CONFIG is not a chief/worker cluster spec: {e}") from None
    for address in addresses:
        _check_address(address, "TF_CONFIG")
    if not 0 <= index < len(addresses):
        raise InvalidOptionError(f"TF_CONFIG: task index {task['index']} is not in the cluster")
    return None if len(addresses) == 1 else Cluster(addresses, index, text)


def check(cluster: Cluster | None, args: argparse.Namespace, backend: str) -> None:
    """Before anything starts: the backend can run several processes; --resume's run was
    trained by as many workers as this one has."""
    if getattr(args, "peer_timeout", None) is not None and args.peer_timeout <= 0:
        raise InvalidOptionError(f"--peer-timeout must be > 0; got {args.peer_timeout:g}")
    workers = 1 if cluster is None else cluster.size
    if args.resume:
        meta = ckpt.read_meta(Path(args.resume))
        trained = 1 if meta is None else int(meta.get("workers", 1))
        if trained != workers:
            how = (f"start {trained} workers (--workers with {trained} addresses, or TF_CONFIG)"
                   if trained > 1 else "run one process (no --workers, no TF_CONFIG)")
            raise InvalidOptionError(
                f"--resume {args.resume}: the run was trained by {trained} worker"
                f"{'s' * (trained != 1)}, this one has {workers}; {how} to continue it, or "
                "start a new run with --checkpoint")
    if cluster is None:
        return
    if backend == "torch":
        raise BackendError(
            "KERAS_BACKEND=torch trains in one process only (no multi-process engine here); "
            "drop --workers / TF_CONFIG, or use KERAS_BACKEND=tensorflow or jax")
    if backend == "jax":
        _check_jax()


def _check_jax() -> None:
    try:
        import jax
    except ImportError:
        raise BackendError("KERAS_BACKEND=jax needs jax, which is not installed here") from None
    if not hasattr(jax, "distributed") or not hasattr(
        jax.config, "jax_cpu_collectives_implementation"
    ):
        raise BackendError(
            f"jax {jax.__version__} has no multi-process CPU collectives "
            "(jax_cpu_collectives_implementation); install jax ≥ 0.4.27, or use "
            "KERAS_BACKEND=tensorflow for --workers")


def start(cluster: Cluster, args: argparse.Namespace, environ: MutableMapping[str, str]) -> None:
    """Check in with the chief (one line, exit 2, within --peer-timeout on any problem) and
    write TF_CONFIG for TensorFlow. Nothing has been written anywhere before this succeeds."""
    global _CLUSTER, _LINK, _TIMEOUT
    timeout = _TIMEOUT = getattr(args, "peer_timeout", None) or PEER_TIMEOUT
    _LINK = rendezvous(cluster.addresses, cluster.index, timeout)
    _LINK.start()
    environ["TF_CONFIG"] = cluster.tf_config
    _CLUSTER = cluster


def active() -> Cluster | None:
    return _CLUSTER


def finish() -> None:
    """This worker's run ended (any status): its exit is no failure to the others."""
    if _LINK is not None:
        _LINK.close()


def start_engine(backend: str) -> None:
    """Start the backend's multi-process runtime; must run before any computation."""
    global _STRATEGY
    cluster = _CLUSTER
    if cluster is None:
        return
    if backend == "tensorflow":
        import tensorflow as tf

        _STRATEGY = tf.distribute.MultiWorkerMirroredStrategy()
        return
    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # type: ignore[no-untyped-call]
    jax.distributed.initialize(
        coordinator_address=cluster.addresses[0],
        num_processes=cluster.size,
        process_id=cluster.index,
        initialization_timeout=max(int(_TIMEOUT), 1),
    )


def placement(backend: str, use_gpu: bool) -> Placement:
    """The Placement of a multi-worker run: one replica per device of every worker."""
    from rnninspect.train.placement import Placement

    assert _CLUSTER is not None
    if backend == "tensorflow":
        n = _STRATEGY.num_replicas_in_sync
        return Placement(backend, [f"replica {r}" for r in range(n)], use_gpu,
                         strategy=_STRATEGY, processes=_CLUSTER.size)
    import jax
    import keras

    devices = jax.devices()
    dist = keras.distribution.DataParallel(devices=devices)
    return Placement(backend, [str(d) for d in devices], use_gpu, distribution=dist,
                     processes=_CLUSTER.size)


def adopt(trainer: Any, checkpoint_every: int | None) -> None:
    """Make a Trainer one worker of the cluster: only the chief writes, the checkpoint records
    the worker count, saves come at fixed steps."""
    if _CLUSTER is None:
        return
    trainer.chief = _CLUSTER.chief
    trainer.run_meta = {"workers": _CLUSTER.size}
    trainer.checkpoint_every = checkpoint_every or CHECKPOINT_EVERY

