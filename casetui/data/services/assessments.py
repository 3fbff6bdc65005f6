"""Intake assessments and reassessments, their autosaved drafts, and the intake summary.

The intake form, its draft and ``submit_*`` all use one flat dict of field name -> raw value
(the form's control ids): client fields as ``clients.clean_client_fields`` names them, the
assessment's narrative fields, ``need_<domain>_score|note|goal`` for every ``vocab.DOMAINS``
and ``phq9_1`` ... ``gad7_difficulty`` for the instruments. So a validation error names the
exact control to mark, and a draft is the form as it stood.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from casetui.data.domain import instruments, pdf, vocab
from casetui.data.domain import templates as documents
from casetui.data.domain import validation as v
from casetui.data.domain.errors import ValidationError
from casetui.data.services import cases, clients, corrections
from casetui.data.services import documents as case_documents
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import (
    Assessment,
    AssessmentNeed,
    Case,
    Client,
    InstrumentScore,
    IntakeDraft,
    utcnow,
)

CLIENT_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "phone",
    "email",
    "address",
    "city",
    "postal_code",
    "date_of_birth",
    "gender",
    "pronouns",
    "language",
    "interpreter_needed",
    "household_size",
    "household_notes",
    "veteran",
    "populations",
)
# Narrative fields of an assessment: name -> (label, longest accepted).
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "referral_source": ("Referral source", 200),
    "referral_reason": ("Reason for referral", 5000),
    "client_words": ("In the client's own words", 10000),
    "strengths": ("Strengths", 10000),
    "service_history": ("History of services", 10000),
    "environmental_factors": ("Environmental and social factors", 10000),
}
SUMMARY_KIND = "intake_summary"
SUMMARY_FORMATS = ("md", "html", "pdf")


def need_field(domain: str, part: str) -> str:
    """Form field of a domain's ``score``, ``note`` or ``goal``."""
    return f"need_{domain}_{part}"


# --- validation ----------------------------------------------------------------------------


@dataclass
class CleanAssessment:
    values: dict  # Assessment columns
    needs: list[dict]  # AssessmentNeed columns, domains with anything recorded
    results: list[instruments.Result]
    program: str | None = None


def _clean_needs(data: dict) -> list[dict]:
    needs, errors = [], {}
    for domain, label in vocab.DOMAINS.items():
        try:
            score = v.parse_int(
                data.get(need_field(domain, "score")),
                need_field(domain, "score"),
                f"{label} score",
                minimum=1,
                maximum=5,
            )
        except ValidationError as exc:
            errors.update(exc.errors)
            continue
        note = None
        try:
            note = v.text(
                data.get(need_field(domain, "note")), need_field(domain, "note"), f"{label} note", max_length=2000
            )
        except ValidationError as exc:
            errors.update(exc.errors)
        wants_goal = bool(data.get(need_field(domain, "goal")))
        if wants_goal and score is None:
            errors[need_field(domain, "score")] = f"Rate {label.lower()} (1-5) before marking it for a goal."
        if score is not None or note or wants_goal:
            needs.append({"domain": domain, "score": score, "note": note, "wants_goal": wants_goal})
    if not errors and not any(need["score"] is not None for need in needs):
        first = next(iter(vocab.DOMAINS))
        errors[need_field(first, "score")] = "Rate at least one domain (1-5): an assessment needs a score to compare."
    if errors:
        raise ValidationError(errors)
    return needs


def clean_assessment(data: dict, today: date, *, require_consent: bool) -> CleanAssessment:
    """Check every assessment field at once; one ValidationError names every bad field."""
    checks = [
        (
            "assessed_on",
            lambda: v.not_in_future(
                v.parse_date(data.get("assessed_on") or today, "assessed_on", "Assessment date", required=True),
                today,
                "assessed_on",
                "Assessment date",
            ),
        ),
        ("program", lambda: v.text(data.get("program"), "program", "Program", max_length=100)),
        ("needs", lambda: _clean_needs(data)),
    ]
    for name, (label, longest) in TEXT_FIELDS.items():
        checks.append((name, lambda n=name, l=label, m=longest: v.text(data.get(n), n, l, max_length=m)))
    for instrument in instruments.INSTRUMENTS.values():
        checks.append((instrument.key, lambda i=instrument: instruments.from_form(i, data)))
    consent = bool(data.get("consent_to_services"))

    def check_consent():
        if require_consent and not consent:
            raise ValidationError(
                "consent_to_services", "Record the client's consent to services before opening a case."
            )
        return consent

    checks.append(("consent_to_services", check_consent))
    clean = v.collect(*checks)
    values = {name: clean[name] for name in TEXT_FIELDS}
    values["assessed_on"] = clean["assessed_on"]
    values["consent_to_services"] = clean["consent_to_services"]
    results = [clean[i.key] for i in instruments.INSTRUMENTS.values() if clean[i.key] is not None]
    return CleanAssessment(values, clean["needs"], results, clean["program"])


def _client_data(data: dict) -> dict:
    return {name: data.get(name) for name in CLIENT_FIELDS}


def validate_intake(data: dict, today: date) -> tuple[dict, CleanAssessment]:
    """Client values and assessment of a new client's intake; every error at once."""
    errors: dict[str, str] = {}
    client_values, assessment = {}, None
    try:
        client_values = clients.clean_client_fields(_client_data(data), today)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        assessment = clean_assessment(data, today, require_consent=True)
    except ValidationError as exc:
        errors.update(exc.errors)
    if (
        not errors
        and client_values["date_of_birth"]
        and assessment.values["assessed_on"] < client_values["date_of_birth"]
    ):
        errors["assessed_on"] = "Assessment date is before the date of birth."
    if errors:
        raise ValidationError(errors)
    return client_values, assessment


def find_duplicates(session: Session, data: dict, today: date) -> list[Client]:
    """Existing clients who look like the person on the form (same birth date, similar name)."""
    try:
        values = clients.clean_client_fields(
            {k: data.get(k) for k in ("first_name", "last_name", "date_of_birth")}, today
        )
    except ValidationError:
        return []
    return clients.possible_duplicates(session, values["first_name"], values["last_name"], values["date_of_birth"])


# --- writing -----------------------------------------------------------------------------


def _write_assessment(session: Session, case: Case, kind: str, clean: CleanAssessment) -> Assessment:
    assessment = Assessment(case_id=case.id, kind=kind, worker=audit.worker_of(session), **clean.values)
    session.add(assessment)
    session.flush()  # children need its id, and a flush does not order inserts by foreign key
    for need in clean.needs:
        session.add(AssessmentNeed(assessment_id=assessment.id, **need))
    for result in clean.results:
        session.add(
            InstrumentScore(
                assessment_id=assessment.id,
                instrument=result.instrument.code,
                answers=result.answers,
                total=result.total,
                severity=result.severity,
                difficulty=result.difficulty,
            )
        )
    filled = [name for name, value in clean.values.items() if value not in (None, "", False)]
    audit.record(
        session,
        "create",
        "assessment",
        assessment.id,
        client_id=case.client_id,
        fields=filled + (["needs"] if clean.needs else []) + [r.instrument.code for r in clean.results],
    )
    if any(instruments.needs_safety_follow_up(r) for r in clean.results):
        cases.raise_safety_flag(
            session, case.id, f"PHQ-9 item 9 answered above 0 ({kind} {clean.values['assessed_on']:%Y-%m-%d})"
        )
    return assessment


def submit_intake(session: Session, data: dict, today: date) -> Assessment:
    """A new client: client, case (stage assessment) and assessment in one transaction.

    Check ``find_duplicates`` first; this creates a new client record whatever it finds.
    The worker's new-client draft is discarded in the same transaction.
    """
    client_values, clean = validate_intake(data, today)
    client = clients.create_client(session, client_values, today)
    case = cases.open_case(session, client.id, today, program=clean.program, stage="assessment")
    assessment = _write_assessment(session, case, "intake", clean)
    discard_draft(session, None)
    session.flush()
    return assessment


def submit_assessment(session: Session, case_id: int, data: dict, today: date) -> Assessment:
    """An assessment of an existing open case: its first (intake) or a reassessment.

    Moves the case to the matching stage (with a stage change row) in the same transaction.
    """
    case = cases.require_open(session, case_id)
    clean = clean_assessment(data, today, require_consent=False)
    if clean.values["assessed_on"] < case.opened_on:
        raise ValidationError("assessed_on", f"Assessment date is before the case opened ({case.opened_on:%Y-%m-%d}).")
    kind = "reassessment" if latest_assessment(session, case_id) else "intake"
    stage = "reassessment" if kind == "reassessment" else "assessment"
    if case.stage != stage:
        cases.change_stage(session, case_id, stage, f"{kind.capitalize()} recorded", today)
    assessment = _write_assessment(session, case, kind, clean)
    discard_draft(session, case_id)
    session.flush()
    return assessment


# --- reading and comparing ------------------------------------------------------------------


def get_assessment(session: Session, assessment_id: int) -> Assessment:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise ValidationError("assessment", "That assessment no longer exists.")
    return assessment


def list_assessments(session: Session, case_id: int) -> list[Assessment]:
    """The case's assessments, oldest first (none entered in error)."""
    return list(
        session.exec(
            select(Assessment)
            .where(Assessment.case_id == case_id, corrections.valid(Assessment))
            .order_by(Assessment.assessed_on, Assessment.id)
        )
    )


def latest_assessment(session: Session, case_id: int) -> Assessment | None:
    found = list_assessments(session, case_id)
    return found[-1] if found else None


def previous_assessment(session: Session, assessment: Assessment) -> Assessment | None:
    earlier = None
    for item in list_assessments(session, assessment.case_id):
        if item.id == assessment.id:
            return earlier
        earlier = item
    return None


def needs_of(session: Session, assessment_id: int) -> dict[str, AssessmentNeed]:
    rows = session.exec(select(AssessmentNeed).where(AssessmentNeed.assessment_id == assessment_id)).all()
    return {row.domain: row for row in rows}


def scores_of(session: Session, assessment_id: int) -> dict[str, InstrumentScore]:
    rows = session.exec(
        select(InstrumentScore).where(InstrumentScore.assessment_id == assessment_id).order_by(InstrumentScore.id)
    ).all()
    return {row.instrument: row for row in rows}


@dataclass(frozen=True)
class Change:
    key: str  # a domain, or an instrument code
    label: str
    previous: int | None
    current: int | None
    change: str | None  # improved | same | worse; None when either side is missing

    @property
    def change_label(self) -> str:
        return {"improved": "Improved", "same": "Same", "worse": "Worse"}.get(self.change or "", "")


def _direction(previous: int | None, current: int | None, higher_is_better: bool) -> str | None:
    if previous is None or current is None:
        return None
    if previous == current:
        return "same"
    return "improved" if (current > previous) == higher_is_better else "worse"


def compare_needs(previous: dict[str, int | None], current: dict[str, int | None]) -> list[Change]:
    """Each domain scored in either assessment; higher Self-Sufficiency scores are better."""
    return [
        Change(
            domain,
            label,
            previous.get(domain),
            current.get(domain),
            _direction(previous.get(domain), current.get(domain), higher_is_better=True),
        )
        for domain, label in vocab.DOMAINS.items()
        if previous.get(domain) is not None or current.get(domain) is not None
    ]


def compare_instruments(previous: dict[str, int], current: dict[str, int]) -> list[Change]:
    """Instrument totals; lower PHQ-9 and GAD-7 totals are better."""
    return [
        Change(
            code,
            code,
            previous.get(code),
            current.get(code),
            _direction(previous.get(code), current.get(code), higher_is_better=False),
        )
        for code in instruments.INSTRUMENTS
        if code in previous or code in current
    ]


def comparison(session: Session, assessment_id: int) -> tuple[list[Change], list[Change]]:
    """(domain changes, instrument changes) of an assessment against the one before it."""
    assessment = get_assessment(session, assessment_id)
    before = previous_assessment(session, assessment)
    current_needs = {d: n.score for d, n in needs_of(session, assessment.id).items()}
    current_scores = {c: s.total for c, s in scores_of(session, assessment.id).items()}
    previous_needs, previous_scores = {}, {}
    if before is not None:
        previous_needs = {d: n.score for d, n in needs_of(session, before.id).items()}
        previous_scores = {c: s.total for c, s in scores_of(session, before.id).items()}
    return compare_needs(previous_needs, current_needs), compare_instruments(previous_scores, current_scores)


def previous_scores(session: Session, case_id: int) -> dict[str, int]:
    """Domain scores of the case's latest assessment, to show beside a new one."""
    latest = latest_assessment(session, case_id)
    if latest is None:
        return {}
    return {d: n.score for d, n in needs_of(session, latest.id).items() if n.score is not None}


# --- drafts ----------------------------------------------------------------------------------


def _draft_query(session: Session, case_id: int | None):
    where_case = IntakeDraft.case_id.is_(None) if case_id is None else IntakeDraft.case_id == case_id
    return select(IntakeDraft).where(where_case, IntakeDraft.worker == audit.worker_of(session))


def load_draft(session: Session, case_id: int | None) -> IntakeDraft | None:
    """This worker's unfinished intake for the case (None: a new client), if any."""
    return session.exec(_draft_query(session, case_id).order_by(IntakeDraft.updated_at.desc())).first()


def save_draft(session: Session, case_id: int | None, data: dict) -> IntakeDraft:
    """Keep the form as it stands, in its own transaction; nothing in it is validated."""
    if case_id is not None:
        cases.require_open(session, case_id)
    draft = load_draft(session, case_id) or IntakeDraft(case_id=case_id, worker=audit.worker_of(session))
    draft.data = dict(data)
    draft.updated_at = utcnow()
    session.add(draft)
    session.flush()
    return draft


def discard_draft(session: Session, case_id: int | None) -> None:
    for draft in session.exec(_draft_query(session, case_id)).all():
        session.delete(draft)
    session.flush()


# --- the intake summary document ----------------------------------------------------------------


def summary_context(session: Session, assessment_id: int, today: date) -> dict:
    assessment = get_assessment(session, assessment_id)
    case = cases.get_case(session, assessment.case_id)
    client = clients.get_client(session, case.client_id)
    needs = needs_of(session, assessment.id)
    domain_changes, instrument_changes = comparison(session, assessment.id)
    changes = {c.key: c for c in domain_changes}
    need_rows = [
        {
            "label": label,
            "score": needs[domain].score if domain in needs else None,
            "score_label": vocab.SSM_SCALE.get(needs[domain].score, "") if domain in needs else "",
            "previous": changes[domain].previous if domain in changes else None,
            "change": changes[domain].change_label if domain in changes else "",
            "note": needs[domain].note if domain in needs else None,
            "wants_goal": needs[domain].wants_goal if domain in needs else False,
        }
        for domain, label in vocab.DOMAINS.items()
        if domain in needs
    ]
    instrument_rows = []
    instrument_change = {c.key: c for c in instrument_changes}
    for code, row in scores_of(session, assessment.id).items():
        instrument = instruments.INSTRUMENTS.get(code)
        if instrument is None:
            continue
        instrument_rows.append(
            {
                "code": code,
                "title": instrument.title,
                "stem": instrument.stem,
                "total": row.total,
                "max_total": instrument.max_total,
                "severity": row.severity,
                "difficulty": row.difficulty,
                "questions": [
                    {"text": text, "answer": row.answers[n], "answer_label": instruments.ANSWERS[row.answers[n]]}
                    for n, text in enumerate(instrument.items)
                ],
                "previous": instrument_change[code].previous,
                "change": instrument_change[code].change_label,
            }
        )
    kind = "reassessment_summary" if assessment.kind == "reassessment" else SUMMARY_KIND
    return {
        # The agency header, identifiers and signature lines (services.documents).
        **case_documents.framed_context(session, case.id, kind),
        "title": "Reassessment summary" if assessment.kind == "reassessment" else "Intake summary",
        "client": {
            "name": client.display_name,
            "full_name": f"{client.first_name} {client.last_name}",
            "date_of_birth": client.date_of_birth,
            "age": clients.age_on(client, assessment.assessed_on),
            "gender": vocab.GENDERS.get(client.gender, "") if client.gender else "",
            "pronouns": client.pronouns or "",
            "language": client.language or "",
            "interpreter_needed": client.interpreter_needed,
            "household_size": client.household_size,
            "household_notes": client.household_notes or "",
            "veteran": client.veteran,
            "populations": [vocab.POPULATIONS.get(p, p) for p in client.populations],
        },
        "case": {
            "id": case.id,
            "program": case.program,
            "worker": case.worker,
            "opened_on": case.opened_on,
            "stage": vocab.STAGES.get(case.stage, case.stage),
        },
        "assessment": assessment,
        "has_previous": previous_assessment(session, assessment) is not None,
        "needs": need_rows,
        "instruments": instrument_rows,
        "credit": instruments.CREDIT,
        "difficulty_question": instruments.DIFFICULTY_QUESTION,
        "ssm_scale": vocab.SSM_SCALE,
        "today": today,
        "worker": audit.worker_of(session),
    }


def render_summary(session: Session, assessment_id: int, today: date, fmt: str = "md") -> str | bytes:
    if fmt not in SUMMARY_FORMATS:
        raise ValidationError("format", "Choose Markdown (md), HTML (html) or PDF (pdf).")
    context = summary_context(session, assessment_id, today)
    context.pop("lang")
    if fmt == "pdf":
        return pdf.render_pdf(
            documents.render_block("intake_summary.html", "content", **context),
            context,
            title=f"{context['title']}: {context['client']['name']}",
            signers=context["signatures"],
            labels=pdf.LABELS,
        )
    return documents.render(f"intake_summary.{fmt}", **context)


def summary_filename(assessment: Assessment, fmt: str = "md") -> str:
    return f"{assessment.kind}-summary-case{assessment.case_id}-{assessment.assessed_on:%Y-%m-%d}.{fmt}"


def save_summary(session: Session, assessment_id: int, path: Path | str, today: date) -> Path:
    """Render the summary in the format the path's suffix names (.html, else Markdown), write it
    owner-only, and log it on the case's documents. A folder gets the default file name."""
    assessment = get_assessment(session, assessment_id)
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / summary_filename(assessment)
    suffix = path.suffix.lower()
    fmt = "html" if suffix in (".html", ".htm") else "pdf" if suffix == ".pdf" else "md"
    text = render_summary(session, assessment_id, today, fmt)
    try:
        written = case_documents.save(text, path)
    except OSError as exc:
        raise ValidationError("summary_path", f"Could not write {path}: {exc.strerror or exc}.") from None
    title = (
        f"{'Reassessment' if assessment.kind == 'reassessment' else 'Intake'} summary {assessment.assessed_on:%Y-%m-%d}"
    )
    kind = "reassessment_summary" if assessment.kind == "reassessment" else SUMMARY_KIND
    case_documents.record_document(session, assessment.case_id, kind=kind, title=title, path=written, today=today)
    return written
