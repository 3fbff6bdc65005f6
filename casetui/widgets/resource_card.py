"""How a directory service reads on screen: a two-line result card and the full detail panel.

Both take plain data (``resources.ServiceHit`` / ``ServiceDetail``); nothing here touches the
database. Colours are theme variables so the text is legible in dark and light themes.
"""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from casetui.data.directory.query import EligibilityCheck, ServiceDetail, ServiceHit
from casetui.data.domain import vocab
from casetui.data.domain.languages import language_label

MARKS = {True: ("✓", "$text-success"), False: ("✗", "$text-error"), None: ("?", "$text-warning")}
VERDICTS = {True: "eligible", False: "not eligible", None: "check eligibility"}


def _categories(codes: list[str]) -> str:
    return ", ".join(vocab.DOMAINS.get(code, code) for code in codes)


def eligibility_summary(checks: list[EligibilityCheck], eligible: bool | None) -> str:
    """One line: the verdict and the reasons that decide it (the failing ones first)."""
    if not checks:
        return "eligible: no limits stated"
    deciding = [c for c in checks if c.ok is False] or [c for c in checks if c.ok is None] or checks
    # A warning (a language the client may not speak) is shown whatever decides the verdict.
    shown = deciding + [c for c in checks if c.warning and c not in deciding]
    return f"{VERDICTS[eligible]}: " + "; ".join(("⚠ " if c.warning else "") + c.reason for c in shown)


def hit_prompt(hit: ServiceHit, *, picked: bool = False, for_client: bool = False) -> Content:
    """The result card: name, organization and place; then eligibility or a snippet."""
    parts: list = []
    if for_client:
        mark, style = MARKS[hit.eligible]
        parts.append((f"{mark} ", f"bold {style}"))
    parts.append((hit.name, "bold"))
    if hit.organization:
        parts.append(("  " + hit.organization, "$text-muted"))
    place = hit.city or hit.postal_code
    if place:
        parts.append(("  · " + place, "$text-muted"))
    if hit.distance_miles is not None:
        parts.append((f"  · {hit.distance_miles:.1f} mi", "$text-muted"))
    if picked:
        parts.append(("  [on list]", "bold $text-accent"))
    parts.append("\n  ")
    if hit.hours_today:  # first on the second line, where a narrow card still shows it
        parts.append(
            ("closed today · " if hit.hours_today == "closed" else f"today {hit.hours_today} · ", "$text-muted")
        )
    if hit.stale:
        parts.append(
            ("⚠ unverified · " if hit.last_verified_on is None else "⚠ verified over a year ago · ", "$text-warning")
        )
    if for_client:
        parts.append((eligibility_summary(hit.eligibility, hit.eligible), MARKS[hit.eligible][1]))
    else:
        line = _categories(hit.categories)
        parts.append((line + (" — " if line and hit.snippet else "") + (hit.snippet or ""), "$text-muted"))
    return Content.assemble(*parts)


def _address(location) -> str:
    street = ", ".join(p for p in (location.address_1, location.address_2) if p)
    place = " ".join(p for p in (location.city, location.state_province, location.postal_code) if p)
    return ", ".join(p for p in (location.name, street, place) if p)


def _age_words(low, high) -> str | None:
    if low is None and high is None:
        return None
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    return f"{low:g} and over" if low is not None else f"up to {high:g}"


def detail_content(
    detail: ServiceDetail,
    *,
    stale: bool,
    checks: list[EligibilityCheck] | None,
    eligible: bool | None,
    picked: bool = False,
) -> Content:
    """Everything the directory knows about one service, in reading order."""
    service, org = detail.service, detail.organization
    parts: list = [(service.name, "bold"), "\n"]
    if org is not None:
        parts += [(org.name, "$text-muted"), "\n"]
    if service.status and service.status != "active":
        parts += [(f"Status: {service.status}", "bold $text-error"), "\n"]
    if picked:
        parts += [("On the provider list", "$text-accent"), "\n"]

    def section(title: str, body: str | None) -> None:
        if body:
            parts.extend(["\n", (title, "bold $text-primary"), "\n", body, "\n"])

    section("About", service.description)
    if checks is not None:
        parts.extend(["\n", ("Eligibility for this client", "bold $text-primary"), "\n"])
        if not checks:
            parts.append("No limits stated.\n")
        for check in checks:
            mark, style = ("⚠", "$text-warning") if check.warning else MARKS[check.ok]
            parts += [(f"{mark} {check.criterion}: ", f"bold {style}"), check.reason, "\n"]
        parts.append((VERDICTS[eligible].capitalize() + "\n", f"bold {MARKS[eligible][1]}"))
    limits = (
        [f"Ages {_age_words(service.minimum_age, service.maximum_age)}"]
        if _age_words(service.minimum_age, service.maximum_age)
        else []
    )
    if service.genders:
        limits.append("For " + ", ".join(vocab.GENDERS.get(g, g).lower() for g in service.genders))
    if service.populations:
        limits.append("Serves " + ", ".join(vocab.POPULATIONS.get(p, p).lower() for p in service.populations))
    if service.languages:
        limits.append("Languages: " + ", ".join(language_label(x) for x in service.languages))
    if service.eligibility_description:
        limits.append(service.eligibility_description)
    section("Who it is for", "\n".join(limits))
    section("Locations", "\n".join(_address(loc) for loc in detail.locations))
    section(
        "Phones",
        "\n".join(
            p.number
            + (f" ext. {p.extension}" if p.extension else "")
            + (f" ({p.description or p.type})" if (p.description or p.type) else "")
            for p in detail.phones
        ),
    )
    section("Hours", service.schedule_description)
    section("Fees", service.fees_description)
    section("How to apply", service.application_process)
    section("Interpretation", service.interpretation_services)
    section("Service area", service.service_area)
    web = service.url or (org.website if org else None)
    email = service.email or (org.email if org else None)
    section("Website and email", "\n".join(x for x in (web, email) if x))
    section("Contacts", "\n".join(", ".join(x for x in (c.name, c.title, c.email) if x) for c in detail.contacts))
    section("Need categories", _categories(service.categories))
    section("Taxonomy terms", ", ".join(str(t) for t in service.taxonomy_terms or []))
    verified = f"{service.last_verified_on:%Y-%m-%d}" if service.last_verified_on else "never"
    parts.extend(["\n", ("Last verified: ", "bold"), verified])
    if stale:
        parts.extend(
            [
                "  ",
                (
                    "⚠ over 12 months ago: press v once checked"
                    if service.last_verified_on
                    else "⚠ press v once checked",
                    "bold $text-warning",
                ),
            ]
        )
    parts.append("\n")
    return Content.assemble(*parts)


class ResourceDetail(VerticalScroll):
    """The scrollable detail panel; ``show(...)`` fills it, ``clear(message)`` empties it."""

    DEFAULT_CSS = """
    ResourceDetail { padding: 0 1; }
    ResourceDetail > Static { width: 1fr; }
    """

    def compose(self):
        yield Static("", id="detail-text")

    def show(
        self,
        detail: ServiceDetail,
        *,
        stale: bool,
        checks: list[EligibilityCheck] | None,
        eligible: bool | None,
        picked: bool = False,
    ) -> None:
        self.query_one("#detail-text", Static).update(
            detail_content(detail, stale=stale, checks=checks, eligible=eligible, picked=picked)
        )
        self.scroll_home(animate=False)

    def clear(self, message: str = "") -> None:
        self.query_one("#detail-text", Static).update(Content.styled(message, "$text-muted"))
