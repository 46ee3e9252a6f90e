"""Plotly figures for the results page, as plain dicts that the page hands to plotly.js."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from selfscan.output import formats

# Okabe-Ito: distinguishable with the common forms of colour blindness. Each series also has its
# own line style and marker, so colour is never the only difference.
OKABE_ITO = {
    "own": "#0072B2",       # blue
    "peer": "#E69F00",      # orange
    "national": "#009E73",  # bluish green
    "previous": "#CC79A7",  # reddish purple
    "target": "#D55E00",    # vermillion
}
DASH = {"own": "solid", "peer": "dash", "national": "dot", "previous": "dashdot",
        "target": "longdash"}
MARKER = {"own": "circle", "peer": "square", "national": "diamond", "previous": "triangle-up",
          "target": "x"}


@dataclass(frozen=True)
class Series:
    """One line on the radar: a kind (own/peer/national/previous/target), a name, a value per
    axis."""

    kind: str
    name: str
    values: Sequence[float | None]


def _closed(values: Sequence[Any]) -> list[Any]:
    # A radar line returns to its first point; plotly does not close scatterpolar lines itself.
    return list(values) + list(values[:1])


def wrap_label(label: str, width: int = 14) -> str:
    """Break an axis label over lines so that long dimension titles are not cut off at the sides."""
    lines: list[str] = []
    for word in label.replace("<", "&lt;").split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def radar(axes: Sequence[str], series: Sequence[Series], *, title: str = "",
          lang: str = formats.DEFAULT_LANG) -> dict[str, Any]:
    """A ``scatterpolar`` radar on a 0-100 scale; None values leave a gap, never a false 0.

    Numbers on hover read as on the page: one decimal, a decimal comma in Dutch (``lang``).
    """
    data = []
    for s in series:
        values = [None if v is None else round(v, 1) for v in s.values]
        data.append({
            "type": "scatterpolar",
            "name": s.name,
            "r": _closed(values),
            "theta": _closed([wrap_label(a) for a in axes]),
            "mode": "lines+markers",
            "line": {"color": OKABE_ITO[s.kind], "dash": DASH[s.kind],
                     "width": 3 if s.kind == "own" else 2},
            "marker": {"symbol": MARKER[s.kind], "size": 8, "color": OKABE_ITO[s.kind]},
            "fill": "toself" if s.kind == "own" else "none",
            "fillcolor": "rgba(0, 114, 178, 0.12)",
            "hovertemplate": "%{theta}: %{r:.1f}<extra>" + s.name.replace("<", "") + "</extra>",
            "connectgaps": False,
        })
    layout: dict[str, Any] = {
        "polar": {
            "radialaxis": {"range": [0, 100], "tickvals": [0, 25, 50, 75, 100],
                           "angle": 90, "tickangle": 90},
            "angularaxis": {"direction": "clockwise", "rotation": 90},
        },
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12,
                   "yanchor": "top"},
        # Polar axes have no automargin: the side margins hold the wrapped axis labels
        # (14 characters a line). static/js/charts.js narrows them with the font on a phone.
        "margin": {"l": 120, "r": 120, "t": 60, "b": 30},
        "font": {"family": "system-ui, sans-serif", "size": 14},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "separators": formats.plotly_separators(lang),
    }
    if title:
        layout["title"] = {"text": title}
    return {
        "data": data,
        "layout": layout,
        "config": {"displayModeBar": False, "responsive": True, "staticPlot": False},
    }


def results_radar(dimensions: Sequence[Any], series_names: dict[str, str],
                  with_previous: bool, peer_shown: bool, national_shown: bool, *,
                  lang: str = formats.DEFAULT_LANG) -> dict[str, Any]:
    """The radar of a results page: own scores, and the comparison lines that may be shown.

    ``dimensions`` are the view model's dimension views (``title``, ``score``, ``peer``,
    ``national``, ``previous``, ``target_score``); ``series_names`` names the lines in the
    page's language, and ``lang`` is that language (its decimal mark on hover). The dashed
    target line is there only when the working session set a target on some dimension.
    """
    series = [Series("own", series_names["own"], [d.score for d in dimensions])]
    if peer_shown:
        series.append(Series("peer", series_names["peer"], [d.peer for d in dimensions]))
    if national_shown:
        series.append(Series("national", series_names["national"],
                             [d.national for d in dimensions]))
    if with_previous:
        series.append(Series("previous", series_names["previous"],
                             [d.previous for d in dimensions]))
    targets = [getattr(d, "target_score", None) for d in dimensions]
    if any(t is not None for t in targets):
        series.append(Series("target", series_names.get("target", "Doel"), targets))
    return radar([d.title for d in dimensions], series, lang=lang)
