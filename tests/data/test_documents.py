"""Every document in the agency's frame, the consent form and the referral letter, PDF text,
and the Spanish catalogue (issue 20), on real database files (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from casetui.data.domain import templates
from casetui.data.domain.errors import ValidationError
from casetui.data.services import (
    agency,
    assessments,
    consent,
    consent_form,
    provider_list,
    referral_letter,
    referrals,
)
from casetui.data.services import documents as case_documents
from casetui.data.storage.models import Case, Client, Referral


@pytest.fixture
def session(demo_db):
    with demo_db.transaction() as session:
        yield session


def set_profile(session, **overrides):
    values = dict(
        name="Riverside Family Services",
        program="Housing Stability Program",
        address="12 Example Street, Springfield",
        phone="(555) 555-0100",
        confidentiality_notice='Confidential "client" record, 100% {{ 7*7 }} </style> <b>keep safe</b>',
        identifiers=["date_of_birth", "case_number", "client_number"],
        cosignature_required=True,
        paper_size="a4",
        retention_years="8",
    )
    values.update(overrides)
    return agency.save_profile(session, **values)


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def a_referral(session) -> Referral:
    for case in session.exec(select(Case).where(Case.closed_on.is_(None)).order_by(Case.id)):
        made = referrals.list_referrals(session, case.id)
        if made:
            return made[0]
    raise AssertionError("the demo has no open case with a referral")


def test_the_profile_is_checked_stored_and_read_back(session):
    with pytest.raises(ValidationError) as info:
        agency.save_profile(session, name=" ", identifiers=["shoe_size"], paper_size="legal", retention_years="0")
    assert set(info.value.errors) == {"name", "identifiers", "paper_size", "retention_years"}
    saved = set_profile(session)
    again = agency.profile(session)
    assert again == saved
    assert (again.name, again.paper_size, again.cosignature_required, again.retention_years) == (
        "Riverside Family Services",
        "a4",
        True,
        8,
    )
    assert again.identifiers == ["date_of_birth", "case_number", "client_number"]


def test_every_framed_document_has_header_identifiers_signatures_notice_and_pages(session, tmp_path):
    set_profile(session)
    referral = a_referral(session)
    case = session.get(Case, referral.case_id)
    client = session.get(Client, case.client_id)
    client.language = "English"
    session.add(client)
    consent.record_consent(
        session,
        client.id,
        recipient=referral.provider_name,
        scope="full_record",
        signed_on=referral.referred_on,
        today=referral.referred_on,
    )
    today = referral.referred_on + timedelta(days=1)
    written = [
        *consent_form.write_form(
            session, case.id, tmp_path, today=today, recipient="Cedar Family Centre", scope="health"
        ),
        *referral_letter.write_letter(session, referral.id, tmp_path, today=today),
        *(
            provider_list.save(session, case.id, tmp_path / f"list.{fmt}", today=today, referral_ids=[referral.id])
            for fmt in provider_list.FORMATS
        ),
    ]
    latest = assessments.latest_assessment(session, case.id)
    written += [
        assessments.save_summary(session, latest.id, tmp_path / f"summary.{fmt}", today)
        for fmt in ("md", "html", "pdf")
    ]
    for path in written:
        if path.suffix == ".pdf":
            text = pdf_text(path)
            assert "Page 1 of" in text
        else:
            text = path.read_text()
        assert "Riverside Family Services" in text and "Housing Stability Program" in text, path.name
        assert client.display_name in text and f"{client.date_of_birth:%Y-%m-%d}" in text, path.name
        assert "ase manager" in text and "Date" in text, path.name  # a signature line and its date
        if path.suffix == ".html":
            # The notice is in the page's margin (a CSS string: nothing typed can end it) and at the end.
            assert "</style> <b>" not in text and "&lt;/style&gt; &lt;b&gt;keep safe&lt;/b&gt;" in text
            assert "@bottom-right" in text and "counter(pages)" in text and "size: A4" in text
        else:
            assert "keep safe" in text
        assert "100% {{ 7*7 }}" in text or "100% {{ 7*7 }}" in " ".join(text.split()), path.name  # as typed
    letter_and_summary = [
        p for p in written if p.name.startswith(("referral-letter", "summary")) and p.suffix != ".pdf"
    ]
    assert all("Supervisor" in p.read_text() for p in letter_and_summary)  # co-signature required
    kinds = {d.kind for d in case_documents.list_documents(session, case.id)}
    assert {"consent_form", "referral_letter", "provider_list"} <= kinds


def test_the_referral_letter_holds_only_what_the_consent_allows(session, tmp_path):
    referral = a_referral(session)
    case = session.get(Case, referral.case_id)
    today = referral.referred_on + timedelta(days=1)
    with pytest.raises(ValidationError, match="No current consent"):
        referral_letter.write_letter(session, referral.id, tmp_path / "out", today=today)
    assert not (tmp_path / "out").exists()
    consent.record_consent(
        session,
        case.client_id,
        recipient=referral.provider_name.upper(),
        scope="referral",
        signed_on=today,
        today=today,
    )
    context = referral_letter.letter_context(session, referral.id, today=today)
    assert context["allowed"] == ["referral"] and not context["needs"] and not context["goals"]
    md = next(p for p in referral_letter.write_letter(session, referral.id, tmp_path, today=today) if p.suffix == ".md")
    text = md.read_text()
    assert referral.provider_name in text and "Assessed needs" not in text and "Goals" not in text
    assert "Health information" not in text
    consent.record_consent(
        session, case.client_id, recipient=referral.provider_name, scope="assessment", signed_on=today, today=today
    )
    context = referral_letter.letter_context(session, referral.id, today=today)
    assert context["allowed"] == ["goals", "needs", "referral"] and "health" not in context["allowed"]
    again = referral_letter.write_letter(session, referral.id, tmp_path, today=today)
    assert again[0].name.endswith("-2.md")  # the first letter of the day is kept
    assert "Assessed needs" in again[0].read_text() and "Health information" not in again[0].read_text()


def test_client_facing_documents_follow_the_clients_language(session, tmp_path):
    referral = a_referral(session)
    case = session.get(Case, referral.case_id)
    client = session.get(Client, case.client_id)
    client.language = "Spanish"
    session.add(client)
    session.flush()
    today = referral.referred_on + timedelta(days=1)
    form = consent_form.write_form(
        session, case.id, tmp_path, today=today, recipient="Cedar Family Centre", scope="referral"
    )
    md, html, pdf = form
    assert "Autorización para divulgar información" in md.read_text()
    assert 'lang="es"' in html.read_text() and "Mis derechos" in html.read_text()
    assert "Cliente o representante legal" in pdf_text(pdf) and "Página 1 de" in pdf_text(pdf)
    assert "Confidencial: este documento" in md.read_text()  # the default notice; an agency's own stays as written
    listed = provider_list.save(session, case.id, tmp_path / "lista.md", today=today, referral_ids=[referral.id])
    listed_text = listed.read_text()
    assert "Servicios para" in listed_text and referral.service_name in listed_text  # directory data as it is
    assert "**Para:** " in listed_text and "**For:**" not in listed_text  # the need domain in Spanish too
    # A language without a catalogue reads English; English may be chosen for a Spanish speaker.
    assert templates.document_language("Somali") == "en" and templates.document_language("es-MX") == "es"
    english = consent_form.write_form(
        session, case.id, tmp_path, today=today, recipient="Cedar Family Centre", scope="referral", language="en"
    )
    assert "Authorization to release information" in english[0].read_text()


def test_the_consent_form_checks_what_it_is_given(session, tmp_path):
    case = session.exec(select(Case).where(Case.closed_on.is_(None)).order_by(Case.id)).first()
    with pytest.raises(ValidationError) as info:
        consent_form.write_form(
            session, case.id, tmp_path / "out", today=case.opened_on, recipient=" ", scope="everything", expires_on="x"
        )
    assert set(info.value.errors) == {"recipient", "scope", "expires_on"}
    assert not (tmp_path / "out").exists()


def test_a_name_outside_latin1_still_reads_in_the_pdf(session, tmp_path):
    case = session.exec(select(Case).where(Case.closed_on.is_(None)).order_by(Case.id)).first()
    client = session.get(Client, case.client_id)
    client.first_name, client.preferred_name = "Nguyễn", None
    session.add(client)
    session.flush()
    pdf = consent_form.write_form(
        session, case.id, tmp_path, today=case.opened_on, recipient="Łódź Clinic", scope="referral"
    )[2]
    text = pdf_text(pdf)
    assert "Nguyen" in text and "Lódz Clinic" in text  # ó is Latin-1; ź is not
