"""Discharge: the wizard's record of how a case ends, and closing and reopening a case.

One ``Discharge`` row per closing. Each step is saved in its own transaction and marked in
``steps_done``, so the wizard can be left and resumed. The rules for closing live here: a case
cannot close while a required step is missing, sharing information with a receiving provider
needs a current consent for that provider, and a closed case is read-only until reopened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from casetui.data.directory import resources
from casetui.data.domain import pdf, vocab
from casetui.data.domain import templates as documents
from casetui.data.domain import validation as v
from casetui.data.domain.errors import ValidationError
from casetui.data.services import agency, cases, clients, consent, corrections, goals, referrals, settings
from casetui.data.services import documents as case_documents
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency
from casetui.data.storage.models import (
    Case,
    Consent,
    CoordinationContact,
    Discharge,
    Goal,
    Referral,
    StageChange,
    utcnow,
)

STEPS: dict[str, str] = {
    "reason": "Reason",
    "goals": "Goals review",
    "linkage": "Linkage",
    "coordination": "Service coordination",
    "documentation": "Documentation",
    "review": "Review and close",
}
# Every step but the last must be done before the case can close.
REQUIRED_STEPS = ("reason", "goals", "linkage", "coordination", "documentation")

CONTACT_METHODS: dict[str, str] = {
    "phone": "Phone",
    "email": "Email",
    "meeting": "In person",
    "video": "Video call",
    "letter": "Letter or fax",
}

# Goals that were never really goals need no final review.
_NOT_REVIEWED = ("entered-in-error", "rejected")
DOCUMENT_KIND = "discharge_summary"


# --- the record and where the wizard stands ------------------------------------------------


def current_discharge(session: Session, case_id: int) -> Discharge | None:
    """The discharge being prepared for an open case, or the final one of a closed case."""
    case = cases.get_case(session, case_id)
    query = select(Discharge).where(Discharge.case_id == case_id)
    query = query.where(Discharge.closed_at.is_(None) if case.closed_on is None else Discharge.closed_at.is_not(None))
    return session.exec(query.order_by(Discharge.id.desc())).first()


def _started(session: Session, case_id: int) -> tuple[Case, Discharge]:
    """The open case and its discharge in progress, creating the record on the first step."""
    case = cases.require_open(session, case_id)
    discharge = current_discharge(session, case_id)
    if discharge is None:
        discharge = Discharge(case_id=case_id, worker=audit.worker_of(session))
        session.add(discharge)
        session.flush()
        audit.record(session, "create", "discharge", discharge.id, client_id=case.client_id)
    return case, discharge


def _mark_done(discharge: Discharge, step: str) -> None:
    done = set(discharge.steps_done) | {step}
    # A new list: the JSON column only notices reassignment.
    discharge.steps_done = [s for s in STEPS if s in done]
    discharge.updated_at = utcnow()


def _save(session: Session, case: Case, discharge: Discharge, fields) -> Discharge:
    session.add(discharge)
    audit.record(session, "update", "discharge", discharge.id, client_id=case.client_id, fields=fields)
    session.flush()
    return discharge


@dataclass
class StepState:
    key: str
    label: str
    status: str  # done | current | missing


def step_states(session: Session, case_id: int) -> list[StepState]:
    """Each step with done / current / missing; current is the first required step not done."""
    done = set(done_steps(session, case_id))
    current = next((s for s in STEPS if s not in done), "review")
    return [
        StepState(key, label, "done" if key in done else "current" if key == current else "missing")
        for key, label in STEPS.items()
    ]


def done_steps(session: Session, case_id: int) -> list[str]:
    """The steps that count as done now (a goal added after the review reopens that step)."""
    discharge = current_discharge(session, case_id)
    if discharge is None:
        return []
    done = [s for s in discharge.steps_done if s in STEPS]
    if "goals" in done and _unreviewed_goals(session, case_id, discharge):
        done.remove("goals")
    # Documentation is done when the final summary is on file, not only final: no close without it.
    if "documentation" in done and not final_summary_files(session, case_id):
        done.remove("documentation")
    return done


def missing_steps(session: Session, case_id: int) -> list[str]:
    done = set(done_steps(session, case_id))
    return [s for s in REQUIRED_STEPS if s not in done]


# --- 1. reason -----------------------------------------------------------------------------


def destinations_in(group: str) -> dict[int, str]:
    """HMIS 3.12 destinations of one group, code -> label, in the standard's order."""
    return {code: label for code, (g, label) in vocab.HMIS_DESTINATIONS.items() if g == group}


def destination_label(code: int | None) -> str:
    if code is None:
        return ""
    return f"{code} {vocab.HMIS_DESTINATIONS[code][1]}" if code in vocab.HMIS_DESTINATIONS else str(code)


def save_reason(
    session: Session,
    case_id: int,
    *,
    reason,
    reason_other=None,
    planned,
    discharge_on,
    destination,
    subsidy_type=None,
    today: date,
) -> Discharge:
    case = cases.require_open(session, case_id)

    def when():
        value = v.parse_date(discharge_on, "discharge_on", "Discharge date", required=True)
        v.not_in_future(value, today, "discharge_on", "Discharge date")
        if value < case.opened_on:
            raise ValidationError(
                "discharge_on", f"Discharge date cannot be before the case opened ({case.opened_on:%Y-%m-%d})."
            )
        return value

    def was_planned():
        if planned is None or planned == "":
            raise ValidationError("planned", "Say whether the discharge was planned or unplanned.")
        return bool(planned)

    def where():
        code = v.parse_int(destination, "destination", "Destination", required=True)
        return v.choice(code, "destination", "Destination", vocab.HMIS_DESTINATIONS)

    values = v.collect(
        ("reason", lambda: v.choice(reason or None, "reason", "Reason for discharge", vocab.DISCHARGE_REASONS)),
        ("reason_other", lambda: v.text(reason_other, "reason_other", "Other reason", max_length=2000)),
        ("planned", was_planned),
        ("discharge_on", when),
        ("destination", where),
    )
    if values["reason"] == "other" and not values["reason_other"]:
        raise ValidationError("reason_other", "Say in words why the case ends (the reason is Other).")
    if values["reason"] != "other":
        values["reason_other"] = None
    if values["destination"] == vocab.HMIS_SUBSIDY_DESTINATION:
        code = v.parse_int(subsidy_type, "subsidy_type", "Rental subsidy type")
        if code is None:
            raise ValidationError("subsidy_type", "Choose the rental subsidy type (asked for destination 435).")
        values["subsidy_type"] = v.choice(code, "subsidy_type", "Rental subsidy type", vocab.HMIS_SUBSIDY_TYPES)
    else:
        values["subsidy_type"] = None
    case, discharge = _started(session, case_id)
    for name, value in values.items():
        setattr(discharge, name, value)
    _mark_done(discharge, "reason")
    return _save(session, case, discharge, values.keys())


# --- 2. goals review -----------------------------------------------------------------------


@dataclass
class GoalReview:
    row: goals.GoalRow  # the goal with its percent and track status from its progress entries
    achievement: str | None  # the final status chosen in the review, else the goal's own
    note: str = ""

    @property
    def goal_id(self) -> int:
        return self.row.goal_id

    @property
    def progress_text(self) -> str:
        row = self.row
        if row.latest_value is None:
            return "No progress recorded"
        if row.direction == "reach":
            shown = goals.format_value(row, row.latest_value)
        else:
            unit = f" {row.unit}" if row.unit else ""
            shown = f"{row.latest_value:g}{f' of {row.target:g}' if row.target is not None else ''}{unit}"
        # No track word ("achieved", "behind"): the goal's status is its final status alone
        # (``status_word``), so the summary cannot say "Sustaining" and "achieved" together.
        return f"{row.percent:.0f}% · {shown} on {row.latest_on:%Y-%m-%d}"

    @property
    def status(self) -> str:
        return status_word(self.achievement)


def status_word(achievement: str | None) -> str:
    """The one source of a reviewed goal's status words (the summary, the checklist, the step)."""
    if not achievement:
        return "Not reviewed"
    return vocab.GOAL_ACHIEVEMENT.get(achievement, achievement)


def _reviewable_goals(session: Session, case_id: int) -> list[Goal]:
    return list(
        session.exec(
            select(Goal)
            .where(Goal.case_id == case_id, Goal.lifecycle_status.not_in(_NOT_REVIEWED), corrections.valid(Goal))
            .order_by(Goal.id)
        )
    )


def _unreviewed_goals(session: Session, case_id: int, discharge: Discharge) -> list[Goal]:
    return [g for g in _reviewable_goals(session, case_id) if str(g.id) not in (discharge.goal_reviews or {})]


def goal_reviews(session: Session, case_id: int, today: date) -> list[GoalReview]:
    """Each goal to review, with its progress and any review already saved, in goal order."""
    discharge = current_discharge(session, case_id)
    saved = (discharge.goal_reviews if discharge else None) or {}
    rows = {row.goal_id: row for row in goals.goal_rows(session, case_id, today)}
    reviews = []
    for goal in _reviewable_goals(session, case_id):
        review = saved.get(str(goal.id), {})
        reviews.append(
            GoalReview(rows[goal.id], review.get("achievement") or goal.achievement_status, review.get("note") or "")
        )
    return reviews


def save_goal_reviews(session: Session, case_id: int, reviews: dict, today: date) -> Discharge:
    """Record each goal's final achievement status with a note (errors keyed
    ``goal-ID-achievement`` / ``goal-ID-note``). Open goals end as completed, with that
    status, through the goals service (which keeps each goal's previous state), all in the
    same transaction as the review."""
    cases.require_open(session, case_id)
    reviewable = _reviewable_goals(session, case_id)
    checks = []
    for goal in reviewable:
        given = reviews.get(goal.id) or reviews.get(str(goal.id)) or {}
        short = goal.statement if len(goal.statement) <= 40 else goal.statement[:39] + "…"
        checks.append(
            (
                f"goal-{goal.id}-achievement",
                lambda g=given, s=short, i=goal.id: v.choice(
                    g.get("achievement") or None,
                    f"goal-{i}-achievement",
                    f"Final status of '{s}'",
                    vocab.GOAL_ACHIEVEMENT,
                ),
            )
        )
        checks.append(
            (
                f"goal-{goal.id}-note",
                lambda g=given, s=short, i=goal.id: v.text(
                    g.get("note"), f"goal-{i}-note", f"A note on '{s}'", required=True, max_length=5000
                ),
            )
        )
    clean = v.collect(*checks)
    cleaned = {
        str(goal.id): {"achievement": clean[f"goal-{goal.id}-achievement"], "note": clean[f"goal-{goal.id}-note"]}
        for goal in reviewable
    }
    for goal in reviewable:
        review = cleaned[str(goal.id)]
        lifecycle = "completed" if goal.lifecycle_status in vocab.GOAL_LIFECYCLE_OPEN else goal.lifecycle_status
        if (goal.lifecycle_status, goal.achievement_status) != (lifecycle, review["achievement"]):
            goals.change_status(
                session,
                goal.id,
                lifecycle_status=lifecycle,
                achievement_status=review["achievement"],
                reason=f"Discharge review: {review['note']}",
            )
    case, discharge = _started(session, case_id)
    discharge.goal_reviews = cleaned
    _mark_done(discharge, "goals")
    return _save(session, case, discharge, ["goal_reviews"])


# --- 3. linkage ----------------------------------------------------------------------------


def linkage_referrals(session: Session, case_id: int) -> list[Referral]:
    """The case's referrals that carry on after discharge: those made during discharge, and
    the case's other referrals still open (sent or accepted), oldest first."""
    made = [r for r in referrals.list_referrals(session, case_id) if r.for_discharge or referrals.is_open(r)]
    return sorted(made, key=lambda r: (r.referred_on, r.id))


def open_need_domains(session: Session, case_id: int) -> list[str]:
    """The client's needs still open: domains of goals not achieved, in goal order."""
    domains: list[str] = []
    for goal in _reviewable_goals(session, case_id):
        if goal.achievement_status in ("achieved", "sustaining"):
            continue
        domains.extend(d for d in goal.domains if d not in domains)
    return domains


def linkage_suggestions(session: Session, case_id: int, today: date, *, limit: int = 30) -> list[resources.ServiceHit]:
    """Directory services for the client's open needs first (goals not achieved), then the
    other needs of the latest assessment; eligible and nearby services rank higher."""
    profile = resources.client_profile(session, case_id, today)
    open_needs = open_need_domains(session, case_id)
    profile.needs = open_needs + [need for need in profile.needs if need not in open_needs]
    return resources.suggest_for_client(session, profile, today=today, limit=limit)


def search_directory(
    session: Session, case_id: int, query: str, today: date, *, limit: int = 30
) -> list[resources.ServiceHit]:
    """Directory search with the client's eligibility shown on each hit."""
    return resources.search(
        session, query, profile=resources.client_profile(session, case_id, today), today=today, limit=limit
    )


def refer_for_ongoing_service(
    session: Session,
    case_id: int,
    service_id: str,
    today: date,
    *,
    referred_on=None,
    follow_up_on=None,
    domain=None,
    note=None,
    **consent_in_place,
) -> Referral:
    """A referral made during discharge (``for_discharge``); follow-up in two weeks unless given.
    ``consent_in_place``: the referral form's consent fields (see ``referrals.create_referral``)."""
    return referrals.create_referral(
        session,
        case_id,
        service_id=service_id,
        referred_on=referred_on or today,
        follow_up_on=follow_up_on if follow_up_on is not None else today + timedelta(days=14),
        today=today,
        domain=domain,
        note=note,
        for_discharge=True,
        **consent_in_place,
    )


def complete_step(session: Session, case_id: int, step: str) -> Discharge:
    """Mark linkage or service coordination done (either may be done with nothing recorded)."""
    if step not in ("linkage", "coordination"):
        raise ValidationError("step", f"The {STEPS.get(step, step).lower()} step is saved by its own form.")
    case, discharge = _started(session, case_id)
    _mark_done(discharge, step)
    return _save(session, case, discharge, ["steps_done"])


# --- 4. service coordination ---------------------------------------------------------------


def consent_for(session: Session, case_id: int, recipient: str, today: date) -> Consent | None:
    """The client's current consent to share information with ``recipient``, if any."""
    if not (recipient or "").strip():
        return None
    case = cases.get_case(session, case_id)
    return consent.current_consent_for(session, case.client_id, recipient, today)


def likely_recipients(session: Session, case_id: int) -> list[str]:
    """Names the coordination step suggests: providers referred to at discharge, then the
    case's other providers, then the recipients of the client's consents."""
    case = cases.get_case(session, case_id)
    made = sorted(referrals.list_referrals(session, case_id), key=lambda r: not r.for_discharge)
    names = [r.provider_name for r in made] + [c.recipient for c in consent.list_consents(session, case.client_id)]
    return list(dict.fromkeys(name for name in names if name))


def log_contact(
    session: Session, case_id: int, *, recipient, contacted_on, method, information_shared=None, note=None, today: date
) -> CoordinationContact:
    """Log a contact with a receiving provider. Sharing information needs a current consent
    for that recipient; a contact that shares nothing needs none."""
    case = cases.require_open(session, case_id)
    values = v.collect(
        ("recipient", lambda: v.text(recipient, "recipient", "Who was contacted", required=True, max_length=250)),
        (
            "contacted_on",
            lambda: v.not_in_future(
                v.parse_date(contacted_on, "contacted_on", "Contact date", required=True),
                today,
                "contacted_on",
                "Contact date",
            ),
        ),
        ("method", lambda: v.choice(method or None, "method", "How", CONTACT_METHODS)),
        (
            "information_shared",
            lambda: v.text(information_shared, "information_shared", "Information shared", max_length=5000),
        ),
        ("note", lambda: v.text(note, "note", "Note", max_length=5000)),
    )
    granted = None
    if values["information_shared"]:
        # What was shared, read for its kinds (a discharge summary is the case record, PHQ-9
        # scores are health information), checked against the consents' scopes as referrals are.
        kinds = consent.kinds_shared(values["information_shared"])
        check = consent.check_sharing(session, case.client_id, [values["recipient"]], kinds, today)
        if not check.allowed:
            raise ValidationError(
                "information_shared",
                check.refusal("Record the client's signed consent first, or log the contact without sharing."),
            )
        granted = check.consent
    contact = CoordinationContact(
        case_id=case.id, consent_id=granted.id if granted else None, worker=audit.worker_of(session), **values
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        "create",
        "coordination_contact",
        contact.id,
        client_id=case.client_id,
        fields=[name for name, value in values.items() if value is not None],
    )
    session.flush()
    return contact


def coordination_contacts(session: Session, case_id: int) -> list[CoordinationContact]:
    return list(
        session.exec(
            select(CoordinationContact)
            .where(CoordinationContact.case_id == case_id)
            .order_by(CoordinationContact.contacted_on, CoordinationContact.id)
        )
    )


# --- 5. documentation ----------------------------------------------------------------------

_CHANGE_FIELDS = {
    "health_changes": "Health changes",
    "behavioural_changes": "Behavioural changes",
    "medication_changes": "Medication changes",
    "recommendations": "Recommendations",
}


def save_documentation(
    session: Session,
    case_id: int,
    *,
    health_changes=None,
    behavioural_changes=None,
    medication_changes=None,
    recommendations=None,
    summary_text=None,
    final: bool = False,
    folder: Path | str | None = None,
    today: date,
) -> Discharge:
    """Save the changes, recommendations and (edited) summary; ``final`` makes the summary
    final, which needs recommendations and a summary, writes it into ``folder`` (Markdown,
    HTML and PDF, listed on the case's documents) and completes the step, all or nothing: a
    summary that could not be written is not final."""
    if final and folder is None:
        raise ValueError("a final summary is written: name the folder")
    case = cases.require_open(session, case_id)
    raw = {
        "health_changes": health_changes,
        "behavioural_changes": behavioural_changes,
        "medication_changes": medication_changes,
        "recommendations": recommendations,
    }
    values = v.collect(
        *((name, lambda n=name: v.text(raw[n], n, _CHANGE_FIELDS[n], max_length=20000)) for name in raw),
        ("summary_text", lambda: v.text(summary_text, "summary_text", "Discharge summary", max_length=200000)),
    )
    existing = current_discharge(session, case_id)
    if existing is not None and existing.finalized_at is not None:
        raise ValidationError("summary_text", "The discharge summary is final and can no longer be edited.")
    if final:
        errors = {}
        if not values["recommendations"]:
            errors["recommendations"] = (
                "Recommendations for ongoing and future services are needed before the summary is final."
            )
        if not values["summary_text"]:
            errors["summary_text"] = "Render the summary (or write it) before making it final."
        if errors:
            raise ValidationError(errors)
    case, discharge = _started(session, case_id)
    changed = audit.changed_fields(discharge, values)
    if final:
        discharge.finalized_at = utcnow()
        changed.append("finalized_at")
        _mark_done(discharge, "documentation")
    _save(session, case, discharge, changed)
    if final:
        export_summary(session, case_id, folder, today)
    return discharge


def summary_context(session: Session, case_id: int, today: date) -> dict:
    """What the discharge summary templates show."""
    case = cases.get_case(session, case_id)
    client = clients.get_client(session, case.client_id)
    discharge = current_discharge(session, case_id) or Discharge(case_id=case_id)
    reviewed = [
        {
            "statement": review.row.statement,
            "measure": review.row.measure,
            "baseline": review.row.baseline,
            "target": review.row.target,
            "unit": review.row.unit or "",
            "progress": review.progress_text,
            "status": review.status,
            "note": review.note,
        }
        for review in goal_reviews(session, case_id, today)
    ]
    made = [
        {
            "provider": r.provider_name,
            "service": r.service_name,
            "referred_on": r.referred_on,
            "need": vocab.DOMAINS.get(r.domain or "", ""),
            "status": vocab.REFERRAL_STATUSES.get(r.status, r.status),
            "ongoing": r.for_discharge,
        }
        for r in sorted(referrals.list_referrals(session, case_id), key=lambda r: (r.referred_on, r.id))
    ]
    contacts = [
        {
            "recipient": c.recipient,
            "contacted_on": c.contacted_on,
            "method": CONTACT_METHODS.get(c.method, c.method),
            "shared": c.information_shared or "",
        }
        for c in coordination_contacts(session, case_id)
    ]
    reason = vocab.DISCHARGE_REASONS.get(discharge.reason or "", "")
    if discharge.reason == "other" and discharge.reason_other:
        reason = f"Other: {discharge.reason_other}"
    group = vocab.HMIS_DESTINATIONS.get(discharge.destination, ("", ""))[0] if discharge.destination else ""
    return {
        "client_name": client.display_name,
        "date_of_birth": client.date_of_birth,
        "case_id": case.id,
        "program": case.program,
        "worker": case.worker or audit.worker_of(session),
        "opened_on": case.opened_on,
        "discharge_on": discharge.discharge_on,
        "reason": reason,
        "planned": {True: "Planned", False: "Unplanned", None: ""}[discharge.planned],
        "destination": destination_label(discharge.destination),
        "destination_group": vocab.HMIS_DESTINATION_GROUPS.get(group, ""),
        "subsidy": (
            f"{discharge.subsidy_type} {vocab.HMIS_SUBSIDY_TYPES.get(discharge.subsidy_type, '')}"
            if discharge.subsidy_type
            else ""
        ),
        "goals": reviewed,
        "health_changes": discharge.health_changes or "",
        "behavioural_changes": discharge.behavioural_changes or "",
        "medication_changes": discharge.medication_changes or "",
        "recommendations": discharge.recommendations or "",
        "referrals": made,
        "contacts": contacts,
        "today": today,
    }


def render_summary(session: Session, case_id: int, today: date) -> str:
    """The discharge summary as Markdown, from the saved record (the user edits it after)."""
    return documents.render("discharge_summary.md", **summary_context(session, case_id, today))


def _document_context(session: Session, case_id: int, text: str, today: date) -> dict:
    """The summary's frame (agency header, identifiers, signers) around the edited text."""
    from markdown_it import MarkdownIt

    case = cases.get_case(session, case_id)
    client = clients.get_client(session, case.client_id)
    frame = agency.frame(session, client=client, case=case)
    return {
        **frame,
        "signatures": case_documents.signers(DOCUMENT_KIND, frame["cosign"]),
        "body": MarkdownIt("commonmark", {"html": False}).render(text),
        "text": text,
        "client_name": client.display_name,
        "case_id": case_id,
        "today": today,
    }


def summary_html(session: Session, case_id: int, text: str, today: date) -> str:
    """The (possibly edited) Markdown summary as a standalone HTML page in the agency's frame;
    raw HTML in the text is escaped, never passed through."""
    return documents.render("discharge_summary.html", **_document_context(session, case_id, text, today))


def summary_markdown(session: Session, case_id: int, text: str, today: date) -> str:
    """The edited summary with the frame's header, signature lines and notice around it."""
    context = _document_context(session, case_id, text, today)
    context["body"] = text.strip("\n")
    return documents.render("discharge_summary_frame.md", **context).strip("\n") + "\n"


def summary_pdf(session: Session, case_id: int, text: str, today: date) -> bytes:
    context = _document_context(session, case_id, text, today)
    return pdf.render_pdf(
        documents.render_block("discharge_summary.html", "content", **context),
        context,
        title=f"Discharge summary: {context['client_name']}",
        signers=context["signatures"],
        labels=pdf.LABELS,
    )


def default_export_names(case_id: int, today: date) -> tuple[str, str, str]:
    # The case number, never the client's name: file names show up in listings and backups.
    stem = f"discharge-summary-case{case_id}-{today:%Y-%m-%d}"
    return f"{stem}.md", f"{stem}.html", f"{stem}.pdf"


def export_summary(session: Session, case_id: int, folder: Path | str, today: date) -> list[Path]:
    """Write the saved summary as Markdown, HTML and PDF into ``folder`` (owner-only), log each."""
    discharge = current_discharge(session, case_id)
    text = discharge.summary_text if discharge else None
    if not text:
        raise ValidationError("summary_text", "There is no saved summary to export yet: render and save it first.")
    folder = Path(str(folder).strip() or ".").expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValidationError("export_folder", f"{folder} is a file, not a folder.")
    names = dict(zip(("md", "html", "pdf"), default_export_names(case_id, today), strict=True))
    status = "final" if discharge.finalized_at else "draft"
    return case_documents.write_formats(
        session,
        case_id,
        kind=DOCUMENT_KIND,
        title=f"Discharge summary, {status}",
        paths={fmt: folder / name for fmt, name in names.items()},
        render={
            "md": lambda: summary_markdown(session, case_id, text, today),
            "html": lambda: summary_html(session, case_id, text, today),
            "pdf": lambda: summary_pdf(session, case_id, text, today),
        },
        today=today,
        field="export_folder",
    )


def final_summary_files(session: Session, case_id: int) -> list:
    """The documents written from the final summary (since it was made final) whose files are
    still where they were written."""
    discharge = current_discharge(session, case_id)
    if discharge is None or discharge.finalized_at is None:
        return []
    final_at = _naive_utc(discharge.finalized_at)
    return [
        d
        for d in case_documents.list_documents(session, case_id)
        if d.kind == DOCUMENT_KIND and _naive_utc(d.created_at) >= final_at and d.path and Path(d.path).is_file()
    ]


# --- 6. review and close -------------------------------------------------------------------


@dataclass
class CheckItem:
    step: str
    label: str
    done: bool
    detail: str
    required: bool = True
    extra: list[str] = field(default_factory=list)


def checklist(session: Session, case_id: int, today: date) -> list[CheckItem]:
    """What is done and what is missing, in words, one line per required step."""
    discharge = current_discharge(session, case_id)
    done = set(done_steps(session, case_id))
    items = []
    if discharge and "reason" in done:
        planned = "planned" if discharge.planned else "unplanned"
        detail = (
            f"{vocab.DISCHARGE_REASONS.get(discharge.reason, discharge.reason)} ({planned}), "
            f"{discharge.discharge_on:%Y-%m-%d}; destination {destination_label(discharge.destination)}"
        )
    else:
        detail = "Missing: why the case ends, the discharge date and the destination."
    items.append(CheckItem("reason", STEPS["reason"], "reason" in done, detail))
    unreviewed = (
        len(_unreviewed_goals(session, case_id, discharge)) if discharge else len(_reviewable_goals(session, case_id))
    )
    total = len(_reviewable_goals(session, case_id))
    if "goals" in done:
        detail = f"{total} goal{'s' if total != 1 else ''} reviewed" if total else "No goals to review"
    else:
        detail = f"Missing: a final status and note for {unreviewed} of {total} goal{'s' if total != 1 else ''}."
    items.append(CheckItem("goals", STEPS["goals"], "goals" in done, detail))
    linked = len(linkage_referrals(session, case_id))
    detail = f"{linked} referral{'s' if linked != 1 else ''} for ongoing services"
    items.append(
        CheckItem(
            "linkage",
            STEPS["linkage"],
            "linkage" in done,
            detail if "linkage" in done else f"Missing: mark linkage done ({detail} so far).",
        )
    )
    contacts = coordination_contacts(session, case_id)
    shared = sum(1 for c in contacts if c.information_shared)
    detail = f"{len(contacts)} contact{'s' if len(contacts) != 1 else ''}, {shared} with information shared"
    items.append(
        CheckItem(
            "coordination",
            STEPS["coordination"],
            "coordination" in done,
            detail if "coordination" in done else f"Missing: mark coordination done ({detail} so far).",
        )
    )
    if "documentation" in done:
        on_file = final_summary_files(session, case_id)
        detail = (
            f"Summary final and on file ({len(on_file)} files: "
            + ", ".join(Path(d.path).suffix[1:].upper() for d in on_file)
            + ")"
        )
    elif discharge and discharge.finalized_at:
        detail = "Missing: the final summary is not on file (its files were not written or were moved): export it."
    else:
        detail = "Missing: the discharge summary is not final yet."
    items.append(CheckItem("documentation", STEPS["documentation"], "documentation" in done, detail))
    return items


def _naive_utc(moment: datetime) -> datetime:
    """Stored datetimes come back naive (UTC); fresh ones are aware. Compare them as naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def close_case(session: Session, case_id: int, today: date) -> Case:
    """Close the case in one transaction: stage closure, closed date, retention date, audit.
    Refused, saying why, while a required step is missing."""
    case = cases.require_open(session, case_id)
    missing = missing_steps(session, case_id)
    record = current_discharge(session, case_id)
    if missing == ["documentation"] and record.finalized_at is not None:
        raise ValidationError(
            "steps",
            "The case cannot close yet: the final discharge summary is not on file. "
            "Export it on the documentation step.",
        )
    if missing:
        names = ", ".join(STEPS[s].lower() for s in missing)
        raise ValidationError(
            "steps", f"The case cannot close yet: {names} {'is' if len(missing) == 1 else 'are'} missing."
        )
    discharge = current_discharge(session, case_id)
    if discharge.discharge_on > today:
        raise ValidationError("discharge_on", "The discharge date is after today: close the case on or after it.")
    reason = vocab.DISCHARGE_REASONS.get(discharge.reason, discharge.reason)
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=case.stage,
            to_stage="closure",
            reason=f"Discharge: {reason.lower() if discharge.reason != 'other' else discharge.reason_other}",
            changed_on=discharge.discharge_on,
            worker=audit.worker_of(session),
        )
    )
    case.stage = "closure"
    case.closed_on = discharge.discharge_on
    case.retention_until = _add_years(case.closed_on, settings.get_int(session, "retention_years"))
    case.next_review_on = None
    case.updated_at = utcnow()
    concurrency.claim_version(session, case, what="case")
    session.add(case)
    _mark_done(discharge, "review")
    discharge.closed_at = utcnow()
    session.add(discharge)
    audit.record(
        session,
        "close",
        "case",
        case.id,
        client_id=case.client_id,
        fields=["stage", "closed_on", "retention_until", "next_review_on"],
    )
    session.flush()
    return case


def reopen_case(session: Session, case_id: int, reason, today: date) -> Case:
    """Reopen a closed case, back to the stage it was in before closure. The discharge record
    stays as it was; closing again starts a new one."""
    case = cases.get_case(session, case_id)
    if case.closed_on is None:
        raise ValidationError("case", "This case is open already.")
    reason = v.text(reason, "reason", "Reason for reopening", required=True, max_length=2000)
    closure = session.exec(
        select(StageChange)
        .where(StageChange.case_id == case_id, StageChange.to_stage == "closure")
        .order_by(StageChange.id.desc())
    ).first()
    previous = (
        closure.from_stage if closure and closure.from_stage and closure.from_stage != "closure" else "implementation"
    )
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=case.stage,
            to_stage=previous,
            reason=f"Reopened: {reason}",
            changed_on=today,
            worker=audit.worker_of(session),
        )
    )
    case.stage = previous
    case.closed_on = None
    case.retention_until = None
    case.next_review_on = today + timedelta(days=settings.get_int(session, "review_interval_days"))
    case.updated_at = utcnow()
    concurrency.claim_version(session, case, what="case")
    session.add(case)
    audit.record(
        session,
        "reopen",
        "case",
        case.id,
        client_id=case.client_id,
        fields=["stage", "closed_on", "retention_until", "next_review_on"],
    )
    session.flush()
    return case
