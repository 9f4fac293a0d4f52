"""`models`, `show`, `diagram`, `export`: list the zoo, and look at one model."""

from __future__ import annotations

import argparse

from rich.console import Console

from rnninspect.cli.args import Command, add_model_arguments, inspect_from_args, positive_int
from rnninspect.cli.ascii import write_json
from rnninspect.cli.cache import add_cache_flag, add_watch_flag, watchable
from rnninspect.cli.paths import check_output_path
from rnninspect.errors import ExitStatus, InvalidOptionError


def run_models(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rich.table import Table
    from rich.text import Text

    from rnninspect import zoo

    table = Table(title="Built-in models", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("dialects", no_wrap=True)
    table.add_column("configs")
    table.add_column("what it is")
    for m in zoo.MODELS.values():
        configs = ", ".join(f"{c}*" if c == m.default_config else c for c in m.configs)
        dialects = ", ".join(f"{d}*" if d == m.default_dialect else d for d in m.dialects)
        table.add_row(m.name, dialects, configs, Text(m.description))
    table.caption = "* default. Overrides: --num-steps --hidden --layers --vocab --batch"
    out.print(table)
    return ExitStatus.OK


def add_show(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table (default) or json (the whole Inspection)")
    parser.add_argument("--all", action="store_true",
                        help="also list the training-state variables (optimizer slots, step "
                        "counters, learning rates)")
    add_watch_flag(parser)


def run_show(args: argparse.Namespace, out: Console, err: Console) -> int:
    ins = inspect_from_args(args, err)
    if args.format == "json":
        from rnninspect.render.serialize import inspection_json

        write_json(out, inspection_json(ins) + "\n")
        return ExitStatus.OK
    from rnninspect.render.tables import show_renderable

    out.print(show_renderable(ins, show_all=args.all))
    return ExitStatus.OK


def add_diagram(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--view", choices=("rolled", "unrolled", "step"), default="rolled",
                        help="rolled: one node per cell (default); unrolled: every time step; "
                        "step: the ops of one step")
    parser.add_argument("--step", type=int, metavar="T", help="--view step: which time step")
    parser.add_argument("--head", type=int, default=3, metavar="K",
                        help="unrolled: steps drawn before the elided middle (0: draw all)")
    parser.add_argument("--max-nodes", type=positive_int("--max-nodes"), default=2000,
                        metavar="N",
                        help="refuse to draw more nodes than this (default: %(default)s)")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="write .svg/.png/.pdf/.dot (default: DOT text on stdout)")
    parser.add_argument("--format", choices=("dot", "svg", "png", "pdf"),
                        help="override the format the suffix of -o implies")
    add_watch_flag(parser)


DIAGRAM_SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".gv")
EXPORT_SUFFIXES = (".json", ".graphml", ".gexf")


def run_diagram(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.render.diagram import to_dot
    from rnninspect.render.save import save_diagram

    if args.step is not None and args.view != "step":
        raise InvalidOptionError(f"--step applies to --view step; got --view {args.view}")
    if getattr(args, "watch", False) and args.output is None:
        raise InvalidOptionError("diagram --watch rewrites a file: add -o PATH")
    if args.output is None and args.format not in (None, "dot"):
        raise InvalidOptionError(
            f"--format {args.format} writes a file; add -o PATH (DOT text alone goes to stdout)"
        )
    target = None if args.output is None else check_output_path(  # absolute, before user
        args.output, DIAGRAM_SUFFIXES, format_given=args.format is not None)  # code can chdir
    ins = inspect_from_args(args, err, step=args.step)
    if args.step is not None and ins.num_steps is not None and not (
        0 <= args.step < ins.num_steps
    ):
        raise InvalidOptionError(
            f"--step must be between 0 and {ins.num_steps - 1} for this model; got {args.step}"
        )
    head = None if args.head == 0 else args.head
    digraph = to_dot(ins, view=args.view, head=head, step=args.step, max_nodes=args.max_nodes)
    if target is None:
        write_json(out, digraph.source)  # DOT: ASCII already
        return ExitStatus.OK
    save_diagram(digraph, target, args.format)
    err.print(f"wrote {args.output}", highlight=False, markup=False)
    return ExitStatus.OK


def add_export(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--format", choices=("json", "graphml", "gexf"),
                        help="node-link json (default), graphml or gexf; default: -o's suffix")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="write .json/.graphml/.gexf here (default: stdout)")
    add_cache_flag(parser)


def run_export(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.render.graph_export import graph_text, write_graph

    if args.output is None:
        ins = inspect_from_args(args, err)
        write_json(out, graph_text(ins, args.format or "json"),
                   xml=args.format in ("graphml", "gexf"))
        return ExitStatus.OK
    target = check_output_path(args.output, EXPORT_SUFFIXES, format_given=args.format is not None)
    ins = inspect_from_args(args, err)  # may os.chdir: `target` is absolute already
    write_graph(ins, target, args.format)
    err.print(f"wrote {args.output}", highlight=False, markup=False)
    return ExitStatus.OK


def add_models(parser: argparse.ArgumentParser) -> None:
    parser.description = ("List the built-in models (the seed programs and contrast models): "
                          "their dialects and named configs, defaults marked with *. Give a "
                          "name to show, diagram, sharing, check... e.g. `rnninspect show ptb`.")


MODELS = Command("list the built-in models, dialects and configs", add_models, run_models)
SHOW = Command("variables, shapes, roles, steps and sharing of a model", add_show,
               watchable(run_show))
DIAGRAM = Command("Graphviz diagram: rolled, unrolled or one step", add_diagram,
                  watchable(run_diagram))
EXPORT = Command("the analysis graph as node-link JSON, GraphML, GEXF", add_export, run_export)
