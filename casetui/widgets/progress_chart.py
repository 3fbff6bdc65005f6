"""A goal's progress over time against its target, drawn in braille dots to fit any terminal.

The widget knows nothing of the database: give it the points and the goal's numbers with
``show(...)``. Each character cell holds 2 x 4 dots, so an 80-column terminal still shows a
smooth line. Layers, strongest first: recorded values (a solid braille line), the target (a
dashed row, ╌), and the planned straight path from the baseline at the start to the target at
the due date (a dotted line, ·), which is the line "behind" is measured against. Each layer
has its own mark as well as its own colour, so none is told apart by colour alone (the legend
shows the marks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from rich.text import Text
from textual.widget import Widget

_DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][column] in a cell
_BRAILLE = 0x2800


def _number(value: float) -> str:
    return f"{value:g}"


class _Canvas:
    """A grid of braille cells addressed in dots."""

    def __init__(self, columns: int, rows: int):
        self.columns, self.rows = columns, rows
        self.cells = [[0] * columns for _ in range(rows)]

    def dot(self, x: int, y: int) -> None:
        if 0 <= x < self.columns * 2 and 0 <= y < self.rows * 4:
            self.cells[y // 4][x // 2] |= _DOT_BITS[y % 4][x % 2]

    def line(self, x0: int, y0: int, x1: int, y1: int) -> None:
        """Bresenham: every dot between two points, so steep jumps stay joined."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.dot(x0, y0)
            if x0 == x1 and y0 == y1:
                return
            double = 2 * error
            if double >= dy:
                error += dy
                x0 += sx
            if double <= dx:
                error += dx
                y0 += sy

    def char(self, column: int, row: int) -> str | None:
        bits = self.cells[row][column]
        return chr(_BRAILLE + bits) if bits else None


class ProgressChart(Widget):
    """Values over time against the target. ``show(points, baseline=..., target=..., ...)``."""

    DEFAULT_CSS = """
    ProgressChart {
        height: 12;
        min-height: 7;
    }
    ProgressChart > .progress-chart--value { color: $accent; text-style: bold; }
    ProgressChart > .progress-chart--target { color: $text-success; }
    ProgressChart > .progress-chart--plan { color: $text-muted; }
    ProgressChart > .progress-chart--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "progress-chart--value",
        "progress-chart--target",
        "progress-chart--plan",
        "progress-chart--axis",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.points: list[tuple[date, float]] = []
        self.baseline: float | None = None
        self.target: float | None = None
        self.start_on: date | None = None
        self.due_on: date | None = None
        self.today: date | None = None
        self.label: Callable[[float], str] = _number

    def show(
        self,
        points: Sequence[tuple[date, float]],
        *,
        baseline: float | None,
        target: float | None,
        start_on: date,
        due_on: date,
        today: date | None = None,
        label: Callable[[float], str] = _number,
    ) -> None:
        """Draw these points (date, value); ``today`` is marked on the time axis when it falls
        inside it; ``label`` formats values on the value axis."""
        self.points = sorted(points, key=lambda point: point[0])
        self.baseline, self.target = baseline, target
        self.start_on, self.due_on, self.today = start_on, due_on, today
        self.label = label
        self.refresh()

    def clear(self) -> None:
        self.points, self.start_on = [], None
        self.refresh()

    def render(self) -> Text:
        width, height = self.content_size
        if self.start_on is None or self.due_on is None or width < 20 or height < 5:
            return Text("No goal selected.", style=self.get_component_rich_style("progress-chart--axis"))
        return self._draw(width, height)

    def _draw(self, width: int, height: int) -> Text:
        value_style = self.get_component_rich_style("progress-chart--value")
        target_style = self.get_component_rich_style("progress-chart--target")
        plan_style = self.get_component_rich_style("progress-chart--plan")
        axis_style = self.get_component_rich_style("progress-chart--axis")

        values = [value for _, value in self.points]
        known = [v for v in (self.baseline, self.target) if v is not None]
        low, high = min(values + known), max(values + known)
        if low == high:
            low, high = low - 1, high + 1
        first_day = min([self.start_on] + [day for day, _ in self.points])
        last_day = max([self.due_on] + [day for day, _ in self.points])
        span_days = max(1, (last_day - first_day).days)

        axis_labels = [self.label(high), self.label(low)] + (
            [self.label(self.target)] if self.target is not None else []
        )
        gutter = max(len(text) for text in axis_labels) + 1
        columns = width - gutter - 1
        rows = height - 3  # the axis, the dates and the legend lie below the plot
        plan, data = _Canvas(columns, rows), _Canvas(columns, rows)

        def x_of(day: date) -> int:
            return round((day - first_day).days / span_days * (columns * 2 - 1))

        def y_of(value: float) -> int:
            return round((high - value) / (high - low) * (rows * 4 - 1))

        if self.baseline is not None and self.target is not None:
            plan.line(x_of(self.start_on), y_of(self.baseline), x_of(self.due_on), y_of(self.target))
        previous = None
        for day, value in self.points:
            point = (x_of(day), y_of(value))
            if previous is None:
                data.dot(*point)
            else:
                data.line(*previous, *point)
            previous = point
        target_row = y_of(self.target) // 4 if self.target is not None else None
        label_rows = {0: self.label(high), rows - 1: self.label(low)}
        if target_row is not None:
            label_rows[target_row] = self.label(self.target)

        text = Text(no_wrap=True, overflow="crop")
        for row in range(rows):
            label = label_rows.get(row, "")
            text.append(label.rjust(gutter - 1) + " ", style=target_style if row == target_row else axis_style)
            text.append("┤" if row in label_rows else "│", style=axis_style)
            for column in range(columns):
                mark = data.char(column, row)
                if mark:
                    text.append(mark, style=value_style)
                elif row == target_row:
                    text.append("╌", style=target_style)
                else:
                    # One middle dot per cell the path crosses: a mark of its own, not braille
                    # like the progress line beside it.
                    text.append("·" if plan.char(column, row) else " ", style=plan_style)
            text.append("\n")
        axis = ["─"] * columns
        right = f"due {self.due_on:%Y-%m-%d}" if last_day == self.due_on else f"{last_day:%Y-%m-%d}"
        # A narrow chart has no room for both ends' dates: the due date alone, never one over the other.
        left = f"{first_day:%Y-%m-%d}" if columns >= 11 + len(right) else ""
        dates = list(left.ljust(columns))
        dates[max(0, columns - len(right)) :] = right[-columns:]
        if self.today is not None and first_day <= self.today <= last_day:
            column = x_of(self.today) // 2
            axis[column] = "┴"
            # "today" under its tick, if it does not run into the dates at either end
            start = min(max(column - 2, 11), columns - len(right) - 6)
            if start >= 11 and abs(start + 2 - column) <= 3:
                dates[start : start + 5] = "today"
        text.append(" " * gutter + "└" + "".join(axis) + "\n", style=axis_style)
        text.append(" " * (gutter + 1) + "".join(dates) + "\n", style=axis_style)
        text.append(" " * (gutter + 1))
        text.append("⣿ progress", style=value_style)
        text.append("  ╌ target", style=target_style)
        text.append(
            "  · planned path" if self.points else "  · planned path  (no progress recorded yet)", style=plan_style
        )
        return text
