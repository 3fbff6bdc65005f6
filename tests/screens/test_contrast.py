"""Contrast: every kind of text casetui draws (body text, muted and hint text, field labels and
hints, placeholders, disabled fields, dim markup, footer keys and their descriptions, table
cells) measured as drawn, in both themes, on the screen's background and on a
form's: WCAG 2 asks 4.5:1 for body text.

The colours are the ones the app draws (each character's foreground and background once the
theme and every stylesheet are applied, alpha blended), read from the screen's rendered lines;
text styled dim (faint) counts as its colour halfway to the background, as terminals draw it.
"""

from __future__ import annotations

import pytest
from rich.color import Color as RichColor
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from casetui.cli import make_app
from casetui.widgets.fields import FormField
from casetui.widgets.footer import KeyFooter
from casetui.widgets.plain import Plain
from tests.conftest import TODAY
from tests.helpers import calm, settle

WCAG_BODY = 4.5


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    red, green, blue = (_linear(c) for c in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: tuple[int, int, int], two: tuple[int, int, int]) -> float:
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_gives_wcags_reference_ratios():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((0x76, 0x76, 0x76), (255, 255, 255)), 2) == 4.54  # the lightest grey AA passes on white
    assert round(contrast((0x8A, 0x8A, 0x8A), (0xDA, 0xDA, 0xDA)), 1) == 2.5  # the light-theme hint


class Samples(Screen):
    """One of each kind of text, on the screen's background and on a form's surface."""

    BINDINGS = [
        Binding("n", "noop", "New", id="sample.new"),
        Binding("e", "noop", "Edit", id="sample.edit"),
    ]
    CSS = "Samples > Vertical { height: auto; } Samples #surface { background: $surface; }"

    def compose(self) -> ComposeResult:
        for where in ("screen", "surface"):
            with Vertical(id=where):
                yield Plain("Body text of a record", id=f"{where}-body")
                yield Plain("Muted text under a title", classes="muted", id=f"{where}-muted")
                yield Plain("A hint about the keys", classes="hint", id=f"{where}-hint")
                yield Plain("A dialog's subtitle", classes="dialog-subtitle", id=f"{where}-subtitle")
                yield Static("[dim]Dim markup, as the goal lines use[/dim]", id=f"{where}-dim")
                yield FormField("Field label", Input(id=f"{where}-input"), hint="a field's hint", id=f"{where}-field")
                yield Input(placeholder="Placeholder text", id=f"{where}-placeholder")
                yield Input(placeholder="Compact placeholder", compact=True, id=f"{where}-compact")
                yield Input("Disabled value", disabled=True, id=f"{where}-disabled")
        table = DataTable(id="table", zebra_stripes=True, cursor_type="row", show_cursor=False)
        table.add_columns("Client", "Due")
        table.add_rows([("Ana Example", "today"), ("Ben Sample", "in 3 days")])
        yield table
        yield KeyFooter()

    def action_noop(self) -> None:
        pass


def drawn_colours(app, widget) -> list[tuple[str, tuple, tuple]]:
    """(character, foreground, background) of every visible character inside ``widget``'s region."""
    region = widget.region
    strips = app.screen._compositor.render_strips()  # what the terminal is sent (Textual is pinned below 9)
    found = []
    for y in range(region.y, region.bottom):
        x = 0
        for segment in strips[y]:
            style = segment.style
            for character in segment.text:
                if region.x <= x < region.right and is_text(character) and style is not None:
                    fg, bg = _rgb(style.color), _rgb(style.bgcolor)
                    if style.dim:  # faint: terminals draw it about halfway to the background
                        fg = tuple((f + b) // 2 for f, b in zip(fg, bg, strict=True))
                    found.append((character, fg, bg))
                x += 1
    return found


def is_text(character: str) -> bool:
    """Not a space, and not a border or scrollbar (box drawing and block elements)."""
    return not character.isspace() and not 0x2500 <= ord(character) <= 0x259F


def hex_of(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{channel:02x}" for channel in rgb)


def _rgb(color: RichColor | None) -> tuple[int, int, int]:
    assert color is not None, "a character drawn in the terminal's default colour: its contrast is unknown"
    triplet = color.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


SAMPLES = ["body", "muted", "hint", "subtitle", "dim", "field", "placeholder", "compact", "disabled"]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_every_kind_of_text_has_a_contrast_of_4_5_to_1_in_both_themes(demo_path, theme):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        app.theme = theme
        await app.push_screen(Samples())
        await settle(pilot)
        calm(app)
        await pilot.pause()
        screen = app.screen
        targets = {
            f"{where} {name}": screen.query_one(f"#{where}-{name}")
            for where in ("screen", "surface")
            for name in SAMPLES
        }
        targets["table"] = screen.query_one("#table")
        for index, key in enumerate(screen.query("FooterKey")):
            targets[f"footer key {index}"] = key
        low = {}
        for name, widget in targets.items():
            colours = drawn_colours(app, widget)
            assert colours, f"nothing of {name} is drawn"
            worst = min(colours, key=lambda c: contrast(c[1], c[2]))
            ratio = contrast(worst[1], worst[2])
            if ratio < WCAG_BODY:
                low[name] = f"{ratio:.2f}:1 ({hex_of(worst[1])} on {hex_of(worst[2])}, {worst[0]!r})"
        assert low == {}, f"below {WCAG_BODY}:1 in {theme}: {low}"
    app.database.dispose()


async def test_the_goal_chart_tells_progress_target_and_plan_apart_by_their_marks_not_only_colour():
    from datetime import date

    from textual.app import App

    from casetui.widgets.progress_chart import ProgressChart

    class ChartApp(App):
        def compose(self) -> ComposeResult:
            yield ProgressChart(id="chart")

    app = ChartApp()
    async with app.run_test(size=(80, 14)) as pilot:
        chart = app.query_one(ProgressChart)
        chart.show(
            [(date(2026, 1, 1), 2), (date(2026, 2, 1), 3), (date(2026, 3, 1), 3)],
            baseline=2,
            target=8,
            start_on=date(2026, 1, 1),
            due_on=date(2026, 6, 30),
        )
        await pilot.pause()
        lines = str(chart.render()).splitlines()
    plot, legend = "\n".join(lines[:-3]), lines[-1]
    assert any(0x2801 <= ord(c) <= 0x28FF for c in plot)  # progress: a solid braille line
    assert "╌" in plot and "·" in plot  # the target row dashed, the planned path dotted
    assert legend.split() == ["⣿", "progress", "╌", "target", "·", "planned", "path"]
