"""Small-cell suppression for aggregate reports, so that no client can be identified.

Shared by every regulator report; the method is written up in docs/oregon-303-report.md
("Suppression").

- Primary: a count from 1 to the threshold is shown as SUPPRESSED, never as the number. Zero
  is shown (nobody is identified by it).
- Secondary, for an additive group (parts that add up to a shown total): while a hidden part
  could be worked out from the total and the visible parts — exactly one part hidden, or the
  hidden parts adding up to their own number (every one of them must then be 1) — the
  smallest visible non-zero part is hidden too (the first such in the group's order on a
  tie), or the total when no part is left to hide.
- Groups whose parts do not add up to a total (a question answered with several choices, the
  reasons a person was denied) get primary suppression only: no sum links their cells.
- A figure derived from a count (an average) is suppressed when any count it comes from is.
"""

from __future__ import annotations

from collections.abc import Sequence

SUPPRESSED = "suppressed"

Shown = int | str  # a count, or SUPPRESSED


def is_small(count: int, threshold: int) -> bool:
    return 1 <= count <= threshold


def suppress_count(count: int, threshold: int) -> Shown:
    """One count on its own: primary suppression."""
    return SUPPRESSED if is_small(count, threshold) else count


def _derivable(parts: Sequence[int], hidden: set[int]) -> bool:
    """Whether, with the total known, a hidden part could be worked out."""
    if not hidden:
        return False
    return len(hidden) == 1 or sum(parts[i] for i in hidden) == len(hidden)


def suppress_group(
    parts: Sequence[int], threshold: int, *, total: int | None = None
) -> tuple[list[Shown], Shown | None]:
    """PARTS (and TOTAL, when the parts add up to it) as they may be shown: primary
    suppression of each, then secondary suppression while the total would give a hidden part
    away. Without a total, primary suppression only."""
    hidden = {i for i, count in enumerate(parts) if is_small(count, threshold)}
    total_hidden = total is not None and is_small(total, threshold)
    if total is not None and sum(parts) != total:
        raise ValueError(f"the parts add up to {sum(parts)}, not to the total {total}")
    while total is not None and not total_hidden and _derivable(parts, hidden):
        candidates = [i for i, count in enumerate(parts) if count > 0 and i not in hidden]
        if not candidates:
            total_hidden = True
            break
        hidden.add(min(candidates, key=lambda i: (parts[i], i)))
    shown: list[Shown] = [SUPPRESSED if i in hidden else count for i, count in enumerate(parts)]
    if total is None:
        return shown, None
    return shown, SUPPRESSED if total_hidden else total


def any_suppressed(*cells: Shown | None) -> bool:
    return any(cell == SUPPRESSED for cell in cells)
