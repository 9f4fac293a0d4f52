"""Truths to compare a variant with, in the form `tests.truth.discrepancies` reads.

`truth_of(inspection)` turns the original program's inspection into a truth (so a variant is
compared with the original by the same function that compares it with the ground truth);
`expected(truth, delta, facts)` applies the changes the variant's build measured, within what
its transformation declares; `undeclared(delta, facts)` lists measured changes the declaration
does not allow (a broken transformation, not an analysis difference).
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from tests.metamorphic.transforms import Delta

Facts = dict[str, Any]


def truth_of(got: dict[str, Any]) -> dict[str, Any]:
    """Everything the comparison reads, taken from an Inspection's `to_dict()`."""
    cells = {c["name"]: c for c in got["cells"]}
    variables: dict[str, dict[str, Any]] = {}
    for v in got["variables"]:
        if v["role"] == "training_state":
            continue  # counted, not named (Keras names optimizers by how many came before)
        entry = {"role": v["role"], "cell": v["cell"], "layer": v["layer"],
                 "steps": "dynamic" if v["dynamic"] else v["steps"],
                 "also_roles": v["also_roles"]}
        direction = v.get("direction") or cells.get(v["cell"] or "", {}).get("direction")
        if direction:
            entry["direction"] = direction
        variables[v["name"]] = entry
    findings: dict[str, set[str]] = {}
    for f in got["findings"]:
        findings.setdefault(f["kind"], set()).update(f["variables"])
    truth: dict[str, Any] = {
        "total_params": got["total_params"], "num_steps": got["num_steps"],
        "variables": variables,
        "training_state_count": sum(v["role"] == "training_state" for v in got["variables"]),
        "findings": {k: sorted(v) for k, v in findings.items()},
        "links": sorted({(_word(lk["source"]), _word(lk["target"])) for lk in got["links"]}),
    }
    copies = got.get("copies") or []
    if len(copies) > 1:
        truth["copies"] = [{k: c[k] for k in ("name", "num_steps", "batch_size", "training")}
                           for c in copies]
    return truth


def _word(node: str) -> str:
    return node.split(":")[0] if node.startswith(("input:", "output:")) else node


def renaming(facts: Facts) -> dict[str, str]:
    """Original name -> variant name, by creation order: the weights in order, and the other
    variables in order when there are as many (what a rename may change)."""
    pairs = []
    for trainable in (True, False):
        before = [n for n, t in facts["before"] if t == trainable]
        after = [n for n, t in facts["after"] if t == trainable]
        if trainable or len(before) == len(after):
            pairs += list(zip(before, after, strict=False))
    return {b: a for b, a in pairs if b != a}


def added_removed(delta: Delta, facts: Facts) -> tuple[list[str], list[str]]:
    """Variables the transformation created and removed (after renaming)."""
    names = renaming(facts) if delta.renames else {}
    before = [names.get(n, n) for n, _ in facts["before"]]
    after = [n for n, _ in facts["after"]]
    return [n for n in after if n not in before], [n for n in before if n not in after]


def undeclared(delta: Delta, facts: Facts) -> list[str]:
    trainable = dict(facts["after"])
    added, removed = added_removed(delta, facts)
    out = [f"transformation added weight {n}" for n in added
           if trainable[n] and not delta.feeds_back]
    out += [f"transformation removed weight {n}" for n in removed
            if dict(facts["before"]).get(n, True)]
    if any(not trainable[n] for n in added) and not delta.adds_state:
        out.append(f"transformation added variables it does not declare: {', '.join(added)}")
    if removed and not delta.removes_state:
        out.append(f"transformation removed variables: {', '.join(removed)}")
    if delta.renames and not delta.adds_state and len(facts["before"]) != len(facts["after"]):
        out.append("a renaming transformation changed the number of variables")
    return out


def expected(truth: dict[str, Any], delta: Delta, facts: Facts) -> dict[str, Any]:
    """`truth` as the variant should have it."""
    out = copy.deepcopy(truth)
    if delta.renames:
        _rename(out, renaming(facts))
    added, removed = added_removed(delta, facts)
    trainable = dict(facts["after"])
    for name in added:
        out["variables"][name] = {"role": "training_state"}
        if trainable[name]:  # a fed-back output layer (the only weights a delta may add)
            shape = facts["shapes"][name]
            out["variables"][name] = {"role": "hidden_to_output" if len(shape) == 2 else "bias",
                                      "cell": None, "layer": None, "steps": []}
            out["total_params"] += math.prod(shape)
    for name in removed:
        out["variables"].pop(name, None)
    out["training_state_count"] = (out.get("training_state_count", 0)
                                   + sum(not trainable[n] for n in added)
                                   - len(removed))
    if delta.carries_state:  # a stateful layer's state: counted, not named
        out["carried_state_count"] = (out.get("carried_state_count", 0)
                                      + facts.get("carried_state", 0))
    if delta.feeds_back and "links" in out:
        out["links"] = sorted(map(list, {*map(tuple, out["links"]),
                                         *_feedback_links(out, [n for n in added
                                                                if trainable[n]], facts)}))
    unrolled: dict[str, int] = facts.get("unrolled", {})
    for name, steps in unrolled.items():
        want = out["variables"].get(name)
        if want is not None and want.get("steps") == "dynamic":
            want["steps"] = list(range(steps))
    if unrolled:
        lengths = set(unrolled.values())
        if len(lengths) == 1:
            out["num_steps"] = lengths.pop()
        else:
            out.pop("num_steps", None)  # layers of different lengths: T is not one number
    return out


def renamed(got: dict[str, Any], delta: Delta, facts: Facts) -> dict[str, Any]:
    """An inspection's `to_dict()` with the variables named as a renaming variant names them."""
    names = renaming(facts) if delta.renames else {}
    if not names:
        return got
    out = copy.deepcopy(got)
    for v in out["variables"]:
        v["name"] = names.get(v["name"], v["name"])
    for c in out["cells"]:
        c["variables"] = [names.get(n, n) for n in c["variables"]]
    for f in out["findings"]:
        f["variables"] = [names.get(n, n) for n in f["variables"]]
    for link in out.get("links", []):
        link["source"], link["target"] = (names.get(link["source"], link["source"]),
                                          names.get(link["target"], link["target"]))
    return out


def _feedback_links(truth: dict[str, Any], added: list[str], facts: Facts
                    ) -> list[tuple[str, str]]:
    """The block links a fed-back output layer makes: from the cell the original output
    layer reads to its kernel, on to its bias, and back to the cell the input enters (when
    the original links name one of each)."""
    kernels = [n for n in added if len(facts["shapes"][n]) == 2]
    biases = [n for n in added if len(facts["shapes"][n]) == 1]
    cells = {w["cell"] for w in truth["variables"].values() if w.get("cell")}
    links = [tuple(link) for link in truth["links"]]
    entered = {b for a, b in links if b in cells and a not in cells}
    left = {a for a, b in links if a in cells and b not in cells}
    if len(kernels) != 1 or len(biases) > 1 or len(entered) != 1 or len(left) != 1:
        return []
    last = biases[0] if biases else kernels[0]
    return [(left.pop(), kernels[0]), *([(kernels[0], biases[0])] if biases else []),
            (last, entered.pop())]


def _rename(truth: dict[str, Any], names: dict[str, str]) -> None:
    truth["variables"] = {names.get(k, k): v for k, v in truth["variables"].items()}
    truth["findings"] = {k: [names.get(n, n) for n in v] for k, v in truth["findings"].items()}
    if "links" in truth:
        truth["links"] = [[names.get(a, a), names.get(b, b)] for a, b in truth["links"]]


def saved(truth: dict[str, Any], form: str, facts: Facts,
          got: dict[str, Any] | None = None) -> dict[str, Any]:
    """`truth` as the program saved in `form` should have it (forms.py, transforms.LOSSES):
    the variables the saved file keeps, under its names; the training state a form without
    an optimizer drops; copies that no longer train when only the forward outputs were
    saved. A frozen graph's constant that no use proves a weight (multiplied or added
    elementwise only, or zeros in a fused op's weight operand) may instead be named by an
    `unresolved` finding of `got` and not counted: it is expected so, and the block links
    through it join its neighbours; so may a constant that was no variable (a fixed value:
    zeros passed for no peepholes), named and not counted. A checkpoint alone is compared
    by `guessed`."""
    names: dict[str, str] = dict(facts["names"])
    unproven = unproven_constants(names, got) if form.startswith("frozen_pb") else set()
    fixed = fixed_constants(names, got) if form.startswith("frozen_pb") else set()
    out = copy.deepcopy(truth)
    out["variables"] = {names[n]: want for n, want in truth["variables"].items()
                        if n in names and names[n] not in unproven}
    state = [n for n, _ in facts["before"] if n not in truth["variables"]]
    out["training_state_count"] = (0 if form.startswith("frozen_pb")
                                   else sum(n in names for n in state))
    out["total_params"] = sum(math.prod(facts["shapes"][n]) for n, t in facts["before"]
                              if t and n in names and n in truth["variables"]
                              and names[n] not in unproven)
    out["findings"] = {kind: kept for kind, listed in truth["findings"].items()
                       if (kept := [names[n] for n in listed if n in names]) or not listed}
    if unproven or fixed:
        out["findings"]["unresolved"] = sorted({*out["findings"].get("unresolved", []),
                                                *unproven, *fixed})
    if "links" in out:
        links = [[names.get(a, a), names.get(b, b)] for a, b in truth["links"]
                 if a not in truth["variables"] or a in names
                 if b not in truth["variables"] or b in names]
        out["links"] = _contracted(links, unproven)
    if form == "frozen_pb_lowered" and "copies" in out:
        # copies without a scope name are numbered in graph order, and the order of a
        # lowered graph's ops is TensorFlow's (it differs from save to save), not the
        # program's: such a number names no copy
        for c in out["copies"]:
            if re.fullmatch(r"copy \d+", str(c.get("name"))):
                del c["name"]
    if facts.get("forward_only") and "copies" in out:
        for c in out["copies"]:
            c["training"] = False
    return out


def unproven_constants(names: dict[str, str], got: dict[str, Any] | None) -> set[str]:
    """Saved names of original variables that `got` names in an `unresolved` finding and
    does not list as variables: constants the frozen graph cannot prove weights."""
    return _named_not_listed(got) & set(names.values())


def fixed_constants(names: dict[str, str], got: dict[str, Any] | None) -> set[str]:
    """Constants that `got` names in an `unresolved` finding, does not list as variables,
    and that were no variable of the program: fixed values a frozen graph cannot tell from
    weights."""
    return _named_not_listed(got) - set(names.values())


def _named_not_listed(got: dict[str, Any] | None) -> set[str]:
    if got is None:
        return set()
    listed = {v["name"] for v in got["variables"]}
    return {n for f in got["findings"] if f["kind"] == "unresolved"
            for n in f["variables"]} - listed


def _contracted(links: list[list[str]], removed: set[str]) -> list[list[str]]:
    """`links` without the `removed` blocks, each one's sources joined to its targets."""
    for node in sorted(removed):
        into = [a for a, b in links if b == node and a != node]
        out_of = [b for a, b in links if a == node and b != node]
        links = [[a, b] for a, b in links if node not in (a, b)]
        links += [[a, b] for a in into for b in out_of if [a, b] not in links]
    return links


def guessed(truth: dict[str, Any], facts: Facts, got: dict[str, Any]) -> dict[str, Any]:
    """`truth` as a checkpoint alone should have it: every weight under its checkpoint name
    and shape, its role the program's or `other` (a guess never contradicts the graph), no
    cells, steps or layers, and one `no_graph` finding naming everything listed. The
    checkpoint does not say which variables train: training state it does not recognise by
    name is listed (role other) and counted."""
    names: dict[str, str] = facts["names"]
    listed = {v["name"]: v for v in got["variables"]}
    variables = {}
    for n, want in truth["variables"].items():
        if n in names:
            role = listed.get(names[n], {}).get("role")
            variables[names[n]] = {"role": role if role == "other" else want["role"],
                                   "cell": None, "steps": []}
    state = [names[n] for n, _ in facts["before"]
             if n not in truth["variables"] and names.get(n) in listed]
    for n in state:
        variables[n] = {"role": "other", "cell": None, "steps": []}
    sizes = {names[n]: math.prod(facts["shapes"][n]) for n, _ in facts["before"] if n in names}
    return {"total_params": sum(sizes[n] for n in variables), "num_steps": None,
            "variables": variables, "training_state_count": 0,
            "findings": {"no_graph": sorted(variables)}}
