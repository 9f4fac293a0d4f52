"""User model sources: code (`file.py:NAME`, `package.module:NAME`), saved files, checkpoints.

`load_user(spec)` turns one of them into a `Traced` graph for the analysis, or — for a
checkpoint alone, where no graph exists — straight into an `Inspection`.
"""

from rnninspect.loaders.dispatch import load_user

__all__ = ["load_user"]
