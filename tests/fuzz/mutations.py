"""Mutations of a valid model folder (a copy of one seed form, see `seeds`), each a function
`(folder, form, rng) -> None` that damages the folder in place, deterministically for a given
`random.Random`. Families: raw bytes (any file), GraphDef structure (every form that holds a
graph: .pb, .pbtxt, .meta, SavedModel), zip archives (.keras), JSON model configs (.keras,
.h5), checkpoint bookkeeping, and symlinks."""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Mutation = Callable[[Path, str, random.Random], None]
GRAPH_FORMS = ("pb", "pbtxt", "meta", "savedmodel")
HUGE = (2**40, 2**62, -1, -5, 2**31, 0)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def intact(folder: Path, form: str, rng: random.Random) -> None:
    """No damage: the control case, which must load (exit 0)."""


# -- raw bytes: any file of any form --------------------------------------------------------

def truncate(folder: Path, form: str, rng: random.Random) -> None:
    target = rng.choice(_files(folder))
    data = target.read_bytes()
    target.write_bytes(data[: rng.randrange(0, max(1, len(data)))])


def flip_bytes(folder: Path, form: str, rng: random.Random) -> None:
    target = rng.choice(_files(folder))
    data = bytearray(target.read_bytes())
    for _ in range(rng.randint(1, 16)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    target.write_bytes(bytes(data))


def zero_range(folder: Path, form: str, rng: random.Random) -> None:
    target = rng.choice(_files(folder))
    data = bytearray(target.read_bytes())
    if data:
        start = rng.randrange(len(data))
        end = min(len(data), start + rng.randint(1, 256))
        data[start:end] = bytes(end - start)
    target.write_bytes(bytes(data))


def garbage(folder: Path, form: str, rng: random.Random) -> None:
    target = rng.choice(_files(folder))
    target.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randint(0, 2048))))


# -- GraphDef structure ---------------------------------------------------------------------

class _Graphs:
    """The GraphDefs a form holds (a .meta's, a SavedModel's meta graphs'), read and written
    back in the file's own format."""

    def __init__(self, folder: Path, form: str) -> None:
        from tensorflow.core.framework import graph_pb2
        from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2

        self.form = form
        if form in ("pb", "pbtxt"):
            self.path = folder / f"frozen.{form}"
            self.message: Any = graph_pb2.GraphDef()
        elif form == "meta":
            self.path = folder / "model.ckpt.meta"
            self.message = meta_graph_pb2.MetaGraphDef()
        else:
            self.path = folder / "saved_model.pb"
            self.message = saved_model_pb2.SavedModel()
        if form == "pbtxt":
            from google.protobuf import text_format

            text_format.Parse(self.path.read_text(), self.message)
        else:
            self.message.ParseFromString(self.path.read_bytes())

    def graph_defs(self) -> list[Any]:
        if self.form in ("pb", "pbtxt"):
            return [self.message]
        if self.form == "meta":
            return [self.message.graph_def]
        return [m.graph_def for m in self.message.meta_graphs]

    def node_lists(self) -> list[Any]:
        """Every repeated NodeDef field: the graphs' and their functions' bodies."""
        found = []
        for g in self.graph_defs():
            found.append(g.node)
            found.extend(f.node_def for f in g.library.function)
        return [nodes for nodes in found if len(nodes)]

    def write(self) -> None:
        if self.form == "pbtxt":
            from google.protobuf import text_format

            self.path.write_text(text_format.MessageToString(self.message))
        else:
            self.path.write_bytes(self.message.SerializeToString())


def _graph_mutation(change: Callable[[Any, random.Random], None]) -> Mutation:
    def mutate(folder: Path, form: str, rng: random.Random) -> None:
        graphs = _Graphs(folder, form)
        change(rng.choice(graphs.node_lists()), rng)
        graphs.write()

    mutate.__name__ = change.__name__
    return mutate


def _node(nodes: Any, rng: random.Random, where: Callable[[Any], bool] = lambda n: True) -> Any:
    fitting = [n for n in nodes if where(n)]
    return rng.choice(fitting) if fitting else rng.choice(list(nodes))


def huge_shape(nodes: Any, rng: random.Random) -> None:
    """A shape attribute or a constant's tensor shape with -1, -5, 0 or 2^40 elements."""
    node = _node(nodes, rng, lambda n: any(a.HasField("shape") or a.HasField("tensor")
                                           for a in n.attr.values()))
    for attr in node.attr.values():
        shape = attr.shape if attr.HasField("shape") else (
            attr.tensor.tensor_shape if attr.HasField("tensor") else None)
        if shape is not None:
            if not shape.dim:
                shape.dim.add()
            rng.choice(list(shape.dim)).size = rng.choice(HUGE)
            return


def tensor_content_mismatch(nodes: Any, rng: random.Random) -> None:
    """A constant whose bytes do not fill its shape (or overfill it)."""
    node = _node(nodes, rng, lambda n: n.op == "Const")
    if "value" in node.attr:
        tensor = node.attr["value"].tensor
        content = tensor.tensor_content
        tensor.tensor_content = content[: len(content) // 2] if rng.random() < 0.5 else \
            content + b"\x00" * rng.randint(1, 64)


def dtype_out_of_range(nodes: Any, rng: random.Random) -> None:
    node = _node(nodes, rng, lambda n: any(a.WhichOneof("value") == "type"
                                           for a in n.attr.values()))
    bad = rng.choice((999, 0, 30, 2**20, 23))
    for attr in node.attr.values():
        if attr.WhichOneof("value") == "type":
            attr.type = bad
            return
        if attr.HasField("tensor"):
            attr.tensor.dtype = bad
            return


def unknown_op(nodes: Any, rng: random.Random) -> None:
    _node(nodes, rng).op = rng.choice(("NoSuchOp", "", "Const\x00x", "X" * 300))


def missing_input(nodes: Any, rng: random.Random) -> None:
    node = _node(nodes, rng)
    node.input.append(rng.choice(("nowhere", "nowhere:3", "^nowhere", ":0", "x:99999999999")))


def input_index_out_of_range(nodes: Any, rng: random.Random) -> None:
    node = _node(nodes, rng, lambda n: len(n.input) > 0)
    if node.input:
        i = rng.randrange(len(node.input))
        node.input[i] = node.input[i].split(":")[0] + f":{rng.choice((99, -1, 2**40))}"


def wrong_attr_type(nodes: Any, rng: random.Random) -> None:
    """An attribute of another kind than the op declares: a type given as a string, a bool
    as a list, a shape as an int."""
    node = _node(nodes, rng, lambda n: len(n.attr) > 0)
    if node.attr:
        attr = node.attr[rng.choice(sorted(node.attr))]
        choice = rng.randrange(4)
        if choice == 0:
            attr.s = b"not a type"
        elif choice == 1:
            attr.i = -7
        elif choice == 2:
            attr.list.i.extend([1, 2, 3])
        else:
            attr.f = float("nan")


def cycle(nodes: Any, rng: random.Random) -> None:
    """A data cycle outside any loop: a node takes its own consumer's output as an input."""
    consumers = [n for n in nodes if any(not i.startswith("^") for i in n.input)]
    if not consumers:
        return
    node = rng.choice(consumers)
    producer = next(i for i in node.input if not i.startswith("^")).split(":")[0]
    for n in nodes:
        if n.name == producer:
            n.input.append(node.name if rng.random() < 0.5 else f"^{node.name}")
            return


def self_loop(nodes: Any, rng: random.Random) -> None:
    node = _node(nodes, rng)
    node.input.append(node.name)


def deep_chain(nodes: Any, rng: random.Random) -> None:
    """Thousands of Identity ops in one chain in front of a consumer (recursion depth)."""
    node = _node(nodes, rng, lambda n: any(not i.startswith("^") for i in n.input))
    data = [k for k, i in enumerate(node.input) if not i.startswith("^")]
    if not data:
        return
    k = data[0]
    previous = node.input[k]
    for j in range(rng.choice((3000, 20000))):
        link = nodes.add()
        link.name, link.op = f"fuzz_chain/{j}", "Identity"
        link.input.append(previous)
        previous = link.name
    node.input[k] = previous


def duplicate_names(nodes: Any, rng: random.Random) -> None:
    copy = nodes.add()
    copy.CopyFrom(_node(nodes, rng))


def remove_node(nodes: Any, rng: random.Random) -> None:
    del nodes[rng.randrange(len(nodes))]


def clear_attrs(nodes: Any, rng: random.Random) -> None:
    _node(nodes, rng, lambda n: len(n.attr) > 0).attr.clear()


def recursive_function(folder: Path, form: str, rng: random.Random) -> None:
    """A library function that calls itself (through PartitionedCall), called by the graph."""
    graphs = _Graphs(folder, form)
    graph = graphs.graph_defs()[0]
    f = graph.library.function.add()
    f.signature.name = "fuzz_forever"
    arg = f.signature.input_arg.add()
    arg.name, arg.type = "x", 1
    out = f.signature.output_arg.add()
    out.name, out.type = "y", 1
    call = f.node_def.add()
    call.name, call.op = "again", "PartitionedCall"
    call.input.append("x")
    call.attr["f"].func.name = "fuzz_forever"
    call.attr["Tin"].list.type.append(1)
    call.attr["Tout"].list.type.append(1)
    f.ret["y"] = "again:output:0"
    floats = [n for n in graph.node if n.attr["dtype"].type == 1 or n.attr["T"].type == 1]
    source = rng.choice(floats).name if floats else graph.node[0].name
    top = graph.node.add()
    top.CopyFrom(call)
    top.name = "fuzz_call"
    del top.input[:]
    top.input.append(source)
    graphs.write()


# -- zip archives (.keras) and JSON configs -------------------------------------------------

def _rewrite_zip(path: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]],
                 symlinks: tuple[str, ...] = ()) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members = change(members)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if name in symlinks:
                info.external_attr = 0o120777 << 16  # a symlink member: data is its target
            archive.writestr(info, data)


def zip_absurd_size(folder: Path, form: str, rng: random.Random) -> None:
    """A central directory that declares a member of 4 GiB-1 (or 0) bytes."""
    path = folder / "model.keras"
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if rng.random() < 0.7:  # uncompressed size field, offset 24 in a central entry
            data[central + 24: central + 28] = rng.choice(
                (b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x00\x00\x00\x80"))
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def zip_traversal_names(folder: Path, form: str, rng: random.Random) -> None:
    """Members named ../../escaped, /abs/escaped and a renamed weights file."""
    path = folder / "model.keras"
    name = rng.choice(("../../fuzz_escaped.txt", "/tmp/fuzz_escaped_abs.txt",
                       "assets/../../../fuzz_escaped.txt"))

    def change(members: dict[str, bytes]) -> dict[str, bytes]:
        members[name] = b"escaped"
        if rng.random() < 0.5:
            members[f"../{'model.weights.h5'}"] = members["model.weights.h5"]
        return members

    _rewrite_zip(path, change)


def zip_symlink_member(folder: Path, form: str, rng: random.Random) -> None:
    """model.weights.h5 (or config.json) stored as a symlink to a device or a system file."""
    member = rng.choice(("model.weights.h5", "config.json"))
    target = rng.choice((b"/dev/zero", b"/etc/passwd", b"../../outside"))

    def change(members: dict[str, bytes]) -> dict[str, bytes]:
        members[member] = target
        return members

    _rewrite_zip(folder / "model.keras", change, symlinks=(member,))


def _config_mutation(change: Callable[[Any, random.Random], Any]) -> Mutation:
    """Change the model config (JSON) of a .keras archive or an .h5 file."""

    def mutate(folder: Path, form: str, rng: random.Random) -> None:
        if form == "keras":
            def rewrite(members: dict[str, bytes]) -> dict[str, bytes]:
                config = json.loads(members["config.json"])
                members["config.json"] = _dump(change(config, rng))
                return members

            _rewrite_zip(folder / "model.keras", rewrite)
        else:
            import h5py

            with h5py.File(folder / "model.h5", "r+") as f:
                config = json.loads(f.attrs["model_config"])
                f.attrs["model_config"] = _dump(change(config, rng))

    mutate.__name__ = change.__name__
    return mutate


def _dump(value: Any) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


def _layer_configs(config: Any) -> list[dict[str, Any]]:
    found = []
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "class_name" in item and isinstance(item.get("config"), dict):
                found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def config_unknown_class(config: Any, rng: random.Random) -> Any:
    layer = rng.choice(_layer_configs(config))
    layer["class_name"] = rng.choice(("NoSuchLayer", "Lambda", "function", "__import__"))
    layer["module"] = rng.choice(("os", "builtins", "no.such.module", "keras.layers"))
    if rng.random() < 0.5:
        layer["config"]["function"] = {"class_name": "__lambda__",
                                       "config": {"code": "ZmFrZQ==", "defaults": None,
                                                  "closure": None}}
    return config


def config_deep_nesting(config: Any, rng: random.Random) -> Any:
    depth = rng.choice((2000, 100000))
    return b"[" * depth + b"]" * depth if rng.random() < 0.5 else \
        ('{"a":' * depth + "1" + "}" * depth).encode()


def config_huge_values(config: Any, rng: random.Random) -> Any:
    """units, batch sizes and input shapes of -3, 0 or 2^40."""
    for layer in _layer_configs(config):
        inner = layer["config"]
        for key in ("units", "batch_shape", "batch_input_shape"):
            if key in inner and rng.random() < 0.7:
                bad = rng.choice((2**40, -3, 0, 10**6, "many"))
                inner[key] = bad if key == "units" else [bad, 3, 2]
    return config


def config_not_a_model(config: Any, rng: random.Random) -> Any:
    return rng.choice((b"not json", b"[]", b"null", b'{"class_name": 5}', b"\xff\xfe"))


# -- checkpoints ----------------------------------------------------------------------------

def checkpoint_file_points_outside(folder: Path, form: str, rng: random.Random) -> None:
    """The `checkpoint` bookkeeping file names a prefix outside the folder, a device, or
    garbage."""
    target = rng.choice(("../../../etc/passwd", "/dev/zero", "/nonexistent/model",
                         "model.ckpt\x00", "x" * 5000))
    text = rng.choice((f'model_checkpoint_path: "{target}"\n', "garbage {{{", ""))
    (folder / "checkpoint").write_text(text)


# -- symlinks -------------------------------------------------------------------------------

def symlink_to_device(folder: Path, form: str, rng: random.Random) -> None:
    """A file the loader reads (not the spec itself) replaced by a link to /dev/zero or
    /dev/urandom, which never end."""
    target = rng.choice(_files(folder))
    target.unlink()
    target.symlink_to(rng.choice(("/dev/zero", "/dev/urandom")))


def symlink_loop(folder: Path, form: str, rng: random.Random) -> None:
    target = rng.choice(_files(folder))
    target.unlink()
    target.symlink_to(target.name)  # points at itself: ELOOP


# -- Python sources -------------------------------------------------------------------------

def py_wrong_return(folder: Path, form: str, rng: random.Random) -> None:
    body = rng.choice(("return 3", "return build()", "return None", "raise SystemExit(0)",
                       "return [[]] * 3"))
    (folder / "model.py").write_text(f"def build():\n    {body}\n")


# -- which mutations apply to which forms ---------------------------------------------------

BYTES = (truncate, flip_bytes, zero_range, garbage)
GRAPH = (*(_graph_mutation(f) for f in (
    huge_shape, tensor_content_mismatch, dtype_out_of_range, unknown_op, missing_input,
    input_index_out_of_range, wrong_attr_type, cycle, self_loop, deep_chain, duplicate_names,
    remove_node, clear_attrs)), recursive_function)
CONFIG = tuple(_config_mutation(f) for f in (
    config_unknown_class, config_deep_nesting, config_huge_values, config_not_a_model))
ZIP = (zip_absurd_size, zip_traversal_names, zip_symlink_member)
LINKS = (symlink_to_device, symlink_loop)


def applicable(form: str) -> tuple[Mutation, ...]:
    found: tuple[Mutation, ...] = (intact, *BYTES, *LINKS)
    if form in GRAPH_FORMS:
        found += GRAPH
    if form in ("keras", "h5"):
        found += CONFIG
    if form == "keras":
        found += ZIP
    if form == "ckpt":
        found += (checkpoint_file_points_outside,)
    if form == "py":
        found = (intact, *BYTES, py_wrong_return)
    return found
