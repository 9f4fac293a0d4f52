"""TF1/TF2 variable reuse errors, explained in the user's terms (placeholder)."""

from __future__ import annotations


def explain(error: BaseException, user_file: str, shown_as: str) -> str | None:
    return None
