"""The package's shape: no import cycles, one loader's option rules, a zoo family added
from `zoo/` alone."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rnninspect import zoo
from rnninspect.zoo.base import ZooModel
from rnninspect.zoo.contrast import CONTRAST_OVERRIDES, ContrastConfig
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def _cycles_script() -> Any:
    spec = importlib.util.spec_from_file_location("import_cycles", ROOT / "scripts" /
                                                  "import_cycles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_cycles_and_no_upward_import():
    script = _cycles_script()
    graph = script.import_graph(ROOT / "rnninspect")
    assert script.find_cycles(ROOT / "rnninspect") == [] and script.main([]) == 0
    # the data model imports no renderer; the analysis neither (compare's shape words come
    # from rnninspect.shapes, below both)
    below = [m for m in graph if m == "rnninspect.model" or m.startswith("rnninspect.analysis")]
    upward = {m: sorted(t for t in graph[m] if t.startswith("rnninspect.render")) for m in below}
    assert {m: t for m, t in upward.items() if t} == {}
    assert "rnninspect.model" in graph["rnninspect.render.display"]  # the registration


def test_display_hook_is_installed_by_importing_the_package():
    import subprocess
    import sys

    code = ("from rnninspect.model import Inspection, _HOOK\n"
            "import rnninspect.render.display as d\n"
            "assert _HOOK == [d], _HOOK\n"
            "empty = Inspection('m', 'keras', (), None, 0, 0, (), (), ())\n"
            "i = Inspection.from_dict(d.as_dict(empty))\n"
            "assert i.to_dict()['model'] == 'm' and 'm' in str(i)\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_cycle_finder_sees_function_level_imports(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg import b\n")
    (pkg / "b.py").write_text("from pkg.a import f\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\n"
                              "if TYPE_CHECKING:\n    from pkg import a\n")
    assert _cycles_script().find_cycles(pkg) == [["pkg.a", "pkg.b"]]


@pytest.mark.parametrize("command", [["show"], ["grads"], ["sharing"], ["diagram"], ["export"],
                                     ["check", "--fail-on", "error"], ["compare", "ptb"]])
def test_every_command_refuses_model_options_for_user_models(command):
    code, out, err = run_cli([command[0], "tests/models/sources/keras_models.py:functional",
                          *command[1:], "--num-steps", "3"])
    assert (code, out) == (2, "")
    assert "--num-steps applies to built-in models only" in err


@dataclass(frozen=True)
class TinyFamily(ZooModel[ContrastConfig]):
    """A new zoo family, defined the way `rnninspect/zoo/` defines one: a ZooModel subclass."""

    def build_keras(self, config: ContrastConfig) -> Any:
        import keras

        x = keras.Input((config.num_steps, config.n_input), batch_size=config.batch_size)
        h = keras.layers.SimpleRNN(config.hidden_size, unroll=True, name="rnn")(x)
        return keras.Model(x, keras.layers.Dense(config.n_classes, name="out")(h))

    def signature(self, config: ContrastConfig) -> list[Any]:
        import tensorflow as tf

        return [tf.TensorSpec([config.batch_size, config.num_steps, config.n_input])]


def test_a_new_zoo_family_needs_only_its_zoo_entry(monkeypatch):
    config = ContrastConfig(num_steps=3, n_input=2, hidden_size=4, n_classes=2, batch_size=2)
    entry = TinyFamily("tiny", "tiny", "a test family", ("keras",), "keras",
                       {"default": config}, "default", CONTRAST_OVERRIDES)
    monkeypatch.setitem(zoo.MODELS, "tiny", entry)
    code, out, _ = run_cli(["show", "tiny", "--num-steps", "4", "--format", "json"])
    shown = json.loads(out)
    assert code == 0 and shown["num_steps"] == 4 and shown["config"]["num_steps"] == 4
    kernel = next(v for v in shown["variables"] if v["role"] == "hidden_to_hidden")
    assert kernel["steps"] == [0, 1, 2, 3]
    code, out, _ = run_cli(["grads", "tiny", "--num-steps", "4", "--format", "json"])
    grads = json.loads(out)
    assert code == 0 and grads["num_steps"] == 4
    assert all(len(v["norms"]) == 4 for v in grads["variables"])
    code, _, err = run_cli(["show", "tiny", "--layers", "2"])
    assert code == 2 and "--layers does not apply to model 'tiny'" in err
