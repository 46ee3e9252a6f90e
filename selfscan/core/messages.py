"""Messages from plain-Python code to a person: a Dutch source string and the values it names.

The core speaks no language of its own choosing: it marks Dutch message ids with ``N_`` (which
pybabel extracts) and the web layer translates them for the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:  # noqa: N802  # the conventional name that pybabel extracts
    """Mark a Dutch message for translation; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Message:
    """A message for a person: a Dutch source string (the message id) and its named values."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
