"""How numbers read: scores, shares, changes and levels, the same on pages, in the PDF and exports."""

from __future__ import annotations


def format_number(value: float | None, digits: int = 1) -> str:
    """A score with `digits` decimals; a dash when there is none."""
    return "–" if value is None else f"{value:.{digits}f}"


def format_pct(value: float | None) -> str:
    """A share (0..1) as a whole percentage; a dash when there is none."""
    return "–" if value is None else f"{round(value * 100)}%"


def format_delta(value: float | None, digits: int = 1) -> str:
    """A change with its sign (a true minus sign); "0" for no change, a dash when unknown."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    return ("+" if value > 0 else "−") + f"{abs(value):.{digits}f}"


def format_level(level: float | None) -> str:
    """1.0 -> "1", 1.5 -> "1.5": a median level, whole where it is whole."""
    if level is None:
        return "–"
    return str(int(level)) if float(level).is_integer() else f"{level:.1f}"
