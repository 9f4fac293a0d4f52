"""The one formatter's examples (its doctests) hold."""

from __future__ import annotations

import doctest

from rnninspect.render import text


def test_text_doctests():
    result = doctest.testmod(text)
    assert result.attempted >= 6 and result.failed == 0
