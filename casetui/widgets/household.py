"""The overview's household panel: who the client lives with, each member's record when they
are a client too. Data in (``show``); the screen's ``h`` key adds a member."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from casetui.data.services.households import MemberRow


class HouseholdPanel(Static):
    def show(self, rows: list[MemberRow], size: int | None, add_key: str) -> None:
        heading = Content.from_markup(
            "[b]Household[/] ($size · $key adds a member)\n",
            size=f"{size} people" if size else "size not recorded",
            key=add_key,
        )
        if not rows:
            self.update(heading + Content("No household members recorded."))
            return
        lines = []
        for row in rows:
            member = row.member
            age = f", {row.age}" if row.age is not None else ""
            born = f" (born {member.date_of_birth:%Y-%m-%d}{age})" if member.date_of_birth else ""
            linked = f" · client {member.member_client_id}" if member.member_client_id else ""
            lines.append(f"{member.name} · {row.relationship}{born}{linked}")
        # Names are typed text: plain Content, never markup.
        self.update(heading + Content("\n".join(lines)))
