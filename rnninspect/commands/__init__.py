"""Subcommands that live outside cli.py: `add_parsers(sub)` adds them, `COMMANDS` maps each
name to its `cmd_*(args, out, err) -> int`. Importing this package does not import TensorFlow.
"""

from rnninspect.commands.sharing import COMMANDS, add_parsers

__all__ = ["COMMANDS", "add_parsers"]
