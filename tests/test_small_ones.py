"""Issue 11 item 17: the small ones, each through the way a user meets it."""

from __future__ import annotations

import dataclasses
import re

import pytest

from rnninspect.analysis.grads import GradientReport
from rnninspect.errors import InvalidOptionError
from rnninspect.render.diagram import to_dot
from rnninspect.render.labels import NAME_MAX
from tests.helpers import make_console, run_cli
from tests.models.inspections import ptb_like


def test_an_int_not_a_int(tmp_path):
    path = tmp_path / "returns_int.py"
    path.write_text("def build():\n    return 3\n", encoding="utf-8")
    code, _, err = run_cli(["show", f"{path}:build"])
    assert code == 2
    assert "returned an int" in err and "a int" not in err


def test_step_view_errors_speak_cli_and_say_how_to_get_the_step():
    with pytest.raises(InvalidOptionError) as no_graph:
        to_dot(ptb_like(step_graph=False), "step")
    assert "--view rolled" in str(no_graph.value) and "view='" not in str(no_graph.value)
    ins = ptb_like()
    other = ins.step_graph.step + 2
    with pytest.raises(InvalidOptionError, match=rf"pass step={other} to inspect\(\)"):
        ins.diagram(view="step", step=other)


def test_bogus_keras_backend_is_one_line(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "bogus")
    code, _, err = run_cli(["train", "mnist", "--max-steps", "1"])
    assert code == 2
    assert err.count("\n") == 1 and "KERAS_BACKEND=bogus" in err and "internal" not in err


def test_repr_is_one_line():
    ins = ptb_like()
    text = repr(ins)
    assert "\n" not in text and len(text) < 120
    assert text == (f"Inspection(model={ins.model!r}, dialect={ins.dialect!r}, "
                    f"T={ins.num_steps}, {len(ins.variables)} variables, "
                    f"{ins.total_params:,} params)")


def test_grads_without_unrolled_steps_prints_no_none():
    from rnninspect.render.grads import grads_renderable

    report = GradientReport("keras-lstm", "keras", None, 1.5, (), dynamic=("lstm/kernel",))
    out, buf = make_console(120)
    out.print(grads_renderable(report))
    assert "None" not in buf.getvalue()
    assert "while loop" in buf.getvalue()


def test_long_names_are_elided_in_diagrams_with_the_full_name_as_tooltip():
    ins = ptb_like(4)
    long = "model/" + "/".join(f"scope_{i}" for i in range(40)) + "/" + "k" * 200
    first = dataclasses.replace(ins.variables[0], name=long)
    ins = dataclasses.replace(ins, variables=(first, *ins.variables[1:]))
    for view in ("rolled", "unrolled"):
        source = to_dot(ins, view).source
        assert f'tooltip="{long}"' in source
        labels = re.findall(r"label=<(.*)>", source)
        texts = [t.replace("&#8230;", "…") for label in labels
                 for t in re.split(r"<[^>]+>", label) if "scope_" in t or "kkkk" in t]
        assert texts and max(len(t) for t in texts) <= NAME_MAX, texts


def test_step_diagram_qualifies_each_layers_kernel(inspect_cached):
    source = to_dot(inspect_cached("ptb", num_steps=3), "step").source
    kernels = re.findall(r"<B>kernel</B>([^<]*<[^>]*>[^<]*)", source)
    assert len(kernels) == 2 and kernels[0] != kernels[1], kernels


def test_compare_checks_every_spec_before_tracing(monkeypatch):
    import rnninspect.cli.audit as audit

    def never(*args, **kwargs):
        raise AssertionError("traced before both specs were checked")

    monkeypatch.setattr(audit, "inspect_from_args", never)
    code, _, err = run_cli(["compare", "ptb", "nosuchmodel"])
    assert code == 2 and "nosuchmodel" in err


def test_diagrams_doc_states_both_projection_figures(inspect_cached):
    from pathlib import Path

    text = " ".join((Path(__file__).parent.parent / "docs" / "diagrams.md")
                    .read_text(encoding="utf-8").split())
    ins = inspect_cached("mnist")
    projection = ins.variable("Variable").params + ins.variable("Variable_2").params
    extra = next(f for f in ins.findings if f.kind.value == "redundant_projection").params
    assert f"{projection:,} parameters of its own" in text
    assert f"{extra:,} more than one composed matrix" in text
