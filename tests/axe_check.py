"""axe-core as every browser test runs it: WCAG 2.1 A/AA and best practice, every impact counts."""

from __future__ import annotations

from typing import Any

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def violations(axe: Any, page: Any) -> list[dict]:
    """axe's findings on the page once it is quiet (charts are drawn by scripts after load)."""
    page.wait_for_load_state("networkidle")
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                    "resultTypes": ["violations"]})
    return list(result.response["violations"])


def described(found: list[dict]) -> list[str]:
    """One line per finding: impact, rule, help text and the first few places."""
    return [f"[{v['impact']}] {v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:4]]}"
            for v in found]


def readable(found: list[dict]) -> str:
    """The findings as an indented block, with each place's failure summary."""
    lines = []
    for v in found:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v["nodes"][:5]:
            lines.append(f"      {node['target']}: {node.get('failureSummary', '')[:300]!r}")
    return "\n".join(lines)
