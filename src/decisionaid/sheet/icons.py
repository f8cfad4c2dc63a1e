"""Icon arrays: a natural frequency drawn as a grid of people, the affected ones grouped first.

Each person is a small square: filled for the people who had the outcome, hollow for those who did
not, so the picture reads the same in black and white and never relies on colour. People come in
blocks of 10 x 10 with a one-square gap between blocks, filled block by block and row by row from
the top left, so even 2 in 1,000 sit together where the eye starts.

A row of 10 squares is one stroked line with a dash pattern, so an array of 1,000 people is about
100 path segments, not 1,000 shapes: WeasyPrint parses SVG paths in Python, and separate shapes
made a 1,000-person array cost about 120 ms to render against under 10 ms this way.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

SQUARE = 0.76  # side of one person's square, in grid units (one unit per person)
HOLE = 0.5  # side of the white hole that makes a hollow square
# (blocks across, blocks down, people across a block, people down a block) for each denominator
LAYOUTS = {10: (1, 1, 10, 1), 100: (1, 1, 10, 10), 1000: (5, 2, 10, 10), 10000: (10, 10, 10, 10)}
# millimetres per person, normal print and large print
PITCH_MM = {10: (3.6, 6.0), 100: (2.2, 3.6), 1000: (1.05, 1.7), 10000: (0.55, 0.6)}  # 10,000 people: a page-wide picture either way


class IconArray(BaseModel):
    """What the template needs to draw one array as inline SVG: a view box and three paths."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int
    denominator: int
    columns: int
    rows: int
    width_mm: float
    height_mm: float
    square: float
    hole: float
    affected: str
    unaffected: str
    unaffected_holes: str
    alt: str


def icon_array(count: int, denominator: int, *, alt: str, large_print: bool = False) -> IconArray:
    """The array for `count` in `denominator` people; `alt` is its text alternative."""
    if denominator not in LAYOUTS:
        raise ValueError(f"no icon-array layout for a denominator of {denominator}")
    if not 0 <= count <= denominator:
        raise ValueError(f"{count} is not between 0 and {denominator}")
    across, down, width, height = LAYOUTS[denominator]
    affected: list[tuple[int, int, int]] = []
    unaffected: list[tuple[int, int, int]] = []
    placed = 0
    for block_y in range(down):
        for block_x in range(across):
            x0 = block_x * (width + 1)
            for row in range(height):
                y = block_y * (height + 1) + row
                filled = max(0, min(width, count - placed))
                placed += width
                if filled:
                    affected.append((x0, y, filled))
                if filled < width:
                    unaffected.append((x0 + filled, y, width - filled))
    pitch = PITCH_MM[denominator][1 if large_print else 0]
    columns, rows = across * (width + 1) - 1, down * (height + 1) - 1
    return IconArray(
        count=count,
        denominator=denominator,
        columns=columns,
        rows=rows,
        width_mm=round(columns * pitch, 2),
        height_mm=round(rows * pitch, 2),
        square=SQUARE,
        hole=HOLE,
        affected=_runs(affected, SQUARE),
        unaffected=_runs(unaffected, SQUARE),
        unaffected_holes=_runs(unaffected, HOLE),
        alt=alt,
    )


def people_positions(array: IconArray, which: str) -> list[tuple[int, int]]:
    """The grid cells (column, row) of the affected or unaffected people, read back from a path."""
    path = array.affected if which == "affected" else array.unaffected
    cells = []
    for segment in filter(None, path.split("M")):
        start, _, length = segment.partition("h")
        x, y = (float(v) for v in start.split())
        first = round(x - (1 - SQUARE) / 2)
        count = round(float(length) + (1 - SQUARE))
        cells.extend((first + i, int(y - 0.5)) for i in range(count))
    return cells


def _runs(runs: list[tuple[int, int, int]], side: float) -> str:
    """One horizontal line per run of people; a dash pattern of `side` on, 1 - `side` off cuts it
    into squares centred in their cells. Each subpath restarts the dash pattern."""
    margin = (1 - side) / 2
    return "".join(f"M{x + margin:g} {y + 0.5:g}h{n - 1 + side:g}" for x, y, n in runs)
