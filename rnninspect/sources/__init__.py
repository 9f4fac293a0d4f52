"""MODEL SPEC -> Traced: the one loader every command goes through.

`resolve(spec, LoadOptions)` decides, with one set of option rules, whether `spec` names a
built-in model (a `ZooSource`: entry, validated config, dialect) or a user model (a
`UserSource`: code ``file.py:NAME`` / ``package.module:NAME``, a .keras or .h5 file, a SavedModel,
.pb/.pbtxt, .meta or a checkpoint). `load(spec, options)` resolves and traces it; for a
checkpoint alone, where no graph exists, it returns an `Inspection` straight away.
`rnninspect.api.gradients` resolves through the same `resolve`.

Modules: `resolve` (the dispatcher), `user` (which kind of user source), `code` (Python
sources), `files` (SavedModel, GraphDef), `checkpoint`, `keras_file`, `h5_file`, `signature` (Keras
input signatures), `objects` (what a user function returned), plus small helpers.
"""

from rnninspect.sources.resolve import LoadOptions, UserSource, ZooSource, load, resolve
from rnninspect.sources.user import load_user

__all__ = ["LoadOptions", "UserSource", "ZooSource", "load", "load_user", "resolve"]
