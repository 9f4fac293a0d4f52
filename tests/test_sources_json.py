"""`show --format json` of every user-model source, as golden files paired with invariants."""

from __future__ import annotations

import json

import pytest

from rnninspect.cli import main
from tests.helpers import make_console

S = "tests/models/sources"
CODE_SOURCES = [
    f"{S}/keras_models.py:functional",
    f"{S}/keras_models.py:sequential",
    f"{S}/keras_models.py:MODEL",
    "tests.models.sources.keras_models:subclassed_with_signature",
    f"{S}/keras_models.py:concrete",
    f"{S}/keras_models.py:module_with_signature",
    f"{S}/tf1_models.py:scoped_graph",
    f"{S}/tf1_models.py:plain_graph",
    f"{S}/tf1_models.py:tf_keras_model",
    f"{S}/odd_names.py:build",
]


def show_json(spec: str) -> dict:
    out, buf = make_console(120)
    err, err_buf = make_console(120)
    assert main(["show", spec, "--format", "json"], console=out, err_console=err) == 0, \
        err_buf.getvalue()
    return json.loads(buf.getvalue())


def check_invariants(doc: dict) -> None:
    assert doc["schema"] == "rnninspect.inspection/1"
    assert doc["total_params"] == sum(v["params"] for v in doc["variables"] if v["trainable"])
    for v in doc["variables"]:
        if v["cell"] is None:
            assert v["steps"] == []
        elif v["dynamic"]:
            assert v["steps"] == [] and v["shared"] and doc["num_steps"] is None
        else:  # a static unroll: every cell weight is read at every step
            assert v["steps"] == list(range(doc["num_steps"])), v["name"]
    assert doc["cells"] or any(f["kind"] == "no_recurrence" for f in doc["findings"])


@pytest.mark.parametrize("spec", CODE_SOURCES)
def test_code_sources(golden, spec):
    doc = show_json(spec)
    check_invariants(doc)
    slug = spec.replace("/", "_").replace(":", "__").replace(".", "_")
    golden(f"sources/{slug}.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def test_saved_model_source(golden, tmp_path):
    from tests.models.sources.saved_files import write_saved_model

    folder = write_saved_model(tmp_path / "sm")
    doc = show_json(str(folder))
    check_invariants(doc)
    doc["model"] = "<tmp>/sm"  # the spec is a temporary path
    golden("sources/saved_model.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def test_odd_names_stay_intact_in_table_json_and_dot():
    from tests.models.sources.odd_names import ODD_U, ODD_W

    doc = show_json(f"{S}/odd_names.py:build")
    names = {v["name"] for v in doc["variables"]}
    assert f"rnn/odd_cell/{ODD_W}" in names and f"rnn/odd_cell/{ODD_U}" in names
    out, buf = make_console(120)
    err, _ = make_console(120)
    assert main(["show", f"{S}/odd_names.py:build"], console=out, err_console=err) == 0
    assert ODD_W in buf.getvalue() and ODD_U in buf.getvalue()
    out, buf = make_console(120)
    assert main(["diagram", f"{S}/odd_names.py:build", "--format", "dot"], console=out,
                err_console=err) == 0
    dot = buf.getvalue()
    assert "poids_&#233;&lt;b&gt;&#91;0&#93;&quot;x" in dot  # escaped for HTML labels
    assert "<b>[0]" not in dot
