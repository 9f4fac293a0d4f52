"""Before a multi-worker run starts its engine: every worker checks in with the chief over
plain TCP on the chief's own address, so that a run that cannot start fails in seconds with
one line (port in use, duplicate index, unreachable peer, mismatched cluster) instead of
hanging inside TensorFlow's or JAX's start-up; and afterwards each worker keeps that
connection as a liveness link, so that a worker that dies makes the others stop with one line
at once instead of after the engine's heartbeat timeout (JAX aborts with a C++ stack trace).

The training itself never goes through this channel: the engine (tf.distribute's collectives
or JAX's) owns the ports once `Link.start` returns. Protocol: one JSON object per line.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field

from rnninspect.errors import InvalidOptionError

RETRY_S = 0.2  # how often a worker retries a chief that is not listening yet


class RendezvousError(InvalidOptionError):
    """The cluster cannot start: one line naming the worker and what is wrong."""


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def _send(conn: socket.socket, message: dict[str, object]) -> None:
    conn.sendall((json.dumps(message) + "\n").encode())


def _receive(conn: socket.socket, deadline: float) -> dict[str, object] | None:
    """One message, or None when the peer closed or the deadline passed."""
    data = b""
    while not data.endswith(b"\n"):  # byte by byte: never read into the next message
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        conn.settimeout(left)
        try:
            chunk = conn.recv(1)
        except (TimeoutError, OSError):
            return None
        if not chunk:
            return None
        data += chunk
    try:
        message = json.loads(data)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _keepalive(conn: socket.socket) -> None:
    """A host that vanishes without closing its sockets is noticed within ~25 s."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 10), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            conn.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def _bind(address: str) -> socket.socket:
    host, port = split_address(address)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class Link:
    """The liveness links of one worker (to the chief, or the chief's to every worker)."""

    index: int
    addresses: tuple[str, ...]
    peers: dict[int, socket.socket] = field(default_factory=dict)
    finished: set[int] = field(default_factory=set)
    closing: bool = False

    def start(self) -> None:
        """Watch every peer from a daemon thread: a peer that closes without saying "bye"
        (killed, crashed, or stopped by an error) stops this worker with one line, exit 1."""
        for index, conn in self.peers.items():
            _keepalive(conn)
            threading.Thread(target=self._watch, args=(index, conn), daemon=True).start()

    def _watch(self, index: int, conn: socket.socket) -> None:
        while True:
            message = _receive(conn, time.monotonic() + 365 * 86400.0)
            if message is not None and message.get("bye"):
                self.finished.add(index)
                return
            if message is None:
                break
        if self.closing or index in self.finished:
            return
        line = (
            f"rnninspect: error: worker {index} ({self.addresses[index]}) stopped before the "
            f"run finished; worker {self.index} stops too (continue with --resume from the "
            "last checkpoint once every worker can run)\n"
        )
        os.write(sys.__stderr__.fileno() if sys.__stderr__ else 2, line.encode())
        os._exit(1)  # the engine may sit in a collective with the dead peer: no clean-up

    def close(self) -> None:
        """This worker finished: tell the peers, so that its exit is no failure to them."""
        self.closing = True
        for conn in self.peers.values():
            with contextlib.suppress(OSError):
                _send(conn, {"bye": True})
                conn.close()


def rendezvous(addresses: tuple[str, ...], index: int, timeout: float) -> Link:
    """Check in with the chief (worker 0) and return this worker's liveness `Link`, or raise
    `RendezvousError` within `timeout` seconds."""
    if index == 0:
        return _chief(addresses, timeout)
    return _worker(addresses, index, timeout)


def _chief(addresses: tuple[str, ...], timeout: float) -> Link:
    deadline = time.monotonic() + timeout
    try:
        server = _bind(addresses[0])
    except OSError as e:
        raise RendezvousError(_in_use(addresses, 0, e)) from None
    link = Link(0, addresses)
    with server:
        server.listen(len(addresses) * 2)
        while len(link.peers) < len(addresses) - 1:
            left = deadline - time.monotonic()
            if left <= 0:
                missing = [i for i in range(1, len(addresses)) if i not in link.peers]
                raise RendezvousError(
                    f"worker {missing[0]} ({addresses[missing[0]]}) did not check in with the "
                    f"chief at {addresses[0]} within {timeout:g} s; start it with "
                    f"--worker-index {missing[0]} and the same --workers, or check the "
                    "address and firewall (--peer-timeout sets the wait)"
                )
            server.settimeout(left)
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            _answer(conn, link, addresses, deadline)
        for conn in link.peers.values():
            _send(conn, {"start": True})
    return link


def _answer(conn: socket.socket, link: Link, addresses: tuple[str, ...], deadline: float) -> None:
    message = _receive(conn, min(deadline, time.monotonic() + 5.0))
    if message is None:
        conn.close()
        return
    if "who" in message:  # another process asks whether an index is taken
        _send(conn, {"registered": message["who"] == 0 or message["who"] in link.peers})
        conn.close()
        return
    index, workers = message.get("hello"), message.get("workers")
    problem = None
    if workers != list(addresses):
        listed = ",".join(str(w) for w in workers) if isinstance(workers, list) else workers
        problem = (f"worker {index} lists --workers {listed}, the "
                   f"chief {','.join(addresses)}; give every worker the same list")
    elif not isinstance(index, int) or not 0 < index < len(addresses):
        problem = f"worker index {index} is not in 1..{len(addresses) - 1}"
    elif index in link.peers:
        problem = (f"duplicate --worker-index {index}: worker {index} already checked in with "
                   f"the chief at {addresses[0]}; give each worker its own index")
    if problem is not None:
        _send(conn, {"error": problem})
        conn.close()
        if workers != list(addresses):
            raise RendezvousError(problem)
        return
    assert isinstance(index, int)
    _send(conn, {"ok": True})
    link.peers[index] = conn


def _ask_registered(chief: str, index: int) -> bool | None:
    """Whether worker `index` already checked in with the chief (None: no chief answered)."""
    try:
        with socket.create_connection(split_address(chief), timeout=2.0) as conn:
            _send(conn, {"who": index})
            answer = _receive(conn, time.monotonic() + 2.0)
    except OSError:
        return None
    return None if answer is None else bool(answer.get("registered"))


def _in_use(addresses: tuple[str, ...], index: int, error: OSError) -> str:
    address = addresses[index]
    if error.errno == 99:  # EADDRNOTAVAIL
        return (f"--worker-index {index} is {address} in --workers, which is not an address of "
                "this host; start each worker on its own host with its own index")
    if _ask_registered(addresses[0], index):
        return (f"duplicate --worker-index {index}: a worker with that index already runs "
                f"(the chief at {addresses[0]} knows it); give each worker its own index")
    return (f"--worker-index {index}'s address {address} is in use ({error.strerror or error}: "
            "another program, or a worker of a run that already started); pick a free port "
            "in --workers")


def _worker(addresses: tuple[str, ...], index: int, timeout: float) -> Link:
    deadline = time.monotonic() + timeout
    try:
        held = _bind(addresses[index])  # held until the run starts: a duplicate finds it taken
    except OSError as e:
        raise RendezvousError(_in_use(addresses, index, e)) from None
    with held:
        conn = _connect(addresses, index, timeout, deadline)
        _send(conn, {"hello": index, "workers": list(addresses)})
        answer = _receive(conn, deadline)
        if answer is not None and "error" in answer:
            conn.close()
            raise RendezvousError(str(answer["error"]))
        if answer is not None:
            answer = _receive(conn, deadline)  # "start" once every worker checked in
        if answer is None or not answer.get("start"):
            conn.close()
            raise RendezvousError(
                f"the chief at {addresses[0]} did not start the run within {timeout:g} s "
                "(another worker is missing or failed; --peer-timeout sets the wait)"
            )
    return Link(index, addresses, {0: conn})


def _connect(addresses: tuple[str, ...], index: int, timeout: float,
             deadline: float) -> socket.socket:
    while True:
        try:
            return socket.create_connection(split_address(addresses[0]), timeout=RETRY_S * 5)
        except OSError as e:
            if time.monotonic() + RETRY_S > deadline:
                raise RendezvousError(
                    f"worker {index} cannot reach the chief (worker 0) at {addresses[0]} within "
                    f"{timeout:g} s ({e.strerror or e}); start it, or check the address and "
                    "firewall (--peer-timeout sets the wait)"
                ) from None
            time.sleep(RETRY_S)
