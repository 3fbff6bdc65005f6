"""Every HTML document printed by a real browser (issue 20): headless Chromium, where it is
installed (Debian's package; .ci/run installs it), loads each without a console error, prints
it to PDF with the agency header on the first page, "Page n of m" and the confidentiality
notice in every page's margin, the signature lines on the last page, and takes a screenshot
kept in the test's tmp folder (pytest's basetemp) as an artefact to look at."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from casetui.data.services import (
    agency,
    assessments,
    consent,
    consent_form,
    discharge,
    provider_list,
    referral_letter,
    referrals,
)
from casetui.data.storage.models import Case

CHROMIUM = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)"
    ),
    pytest.mark.slow,  # three browser runs a document: about 10 s each
]
DOCUMENTS = ("intake_summary", "provider_list", "discharge_summary", "consent_form", "referral_letter")
NOTICE = "Confidential: client record of Riverside Family Services."


@pytest.fixture
def session(demo_db):
    with demo_db.transaction() as session:
        yield session


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_html(session, kind: str, folder: Path) -> Path:
    """One document of ``kind`` for a demo case with a referral, written as the app writes it."""
    for case in session.exec(select(Case).where(Case.closed_on.is_(None)).order_by(Case.id)):
        made = referrals.list_referrals(session, case.id)
        if made and assessments.latest_assessment(session, case.id):
            break
    referral = made[0]
    today = referral.referred_on + timedelta(days=1)
    if kind == "intake_summary":
        latest = assessments.latest_assessment(session, case.id)
        return assessments.save_summary(session, latest.id, folder / "summary.html", today)
    if kind == "provider_list":
        return provider_list.save(
            session, case.id, folder / "list.html", today=today, referral_ids=[r.id for r in made]
        )
    if kind == "consent_form":
        paths = consent_form.write_form(
            session, case.id, folder, today=today, recipient="Cedar Family Centre", scope="health"
        )
        return paths[1]
    if kind == "referral_letter":
        consent.record_consent(
            session, case.client_id, recipient=referral.provider_name, scope="full_record", signed_on=today, today=today
        )
        return referral_letter.write_letter(session, referral.id, folder, today=today)[1]
    text = discharge.render_summary(session, case.id, today)
    discharge.save_documentation(session, case.id, recommendations="Keep going.", summary_text=text, today=today)
    return next(p for p in discharge.export_summary(session, case.id, folder, today) if p.suffix == ".html")


@pytest.mark.parametrize("kind", DOCUMENTS)
@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_each_document_prints_in_chromium_with_its_frame(session, kind, paper, tmp_path):
    agency.save_profile(
        session,
        name="Riverside Family Services",
        address="12 Example Street, Springfield",
        phone="(555) 555-0100",
        confidentiality_notice=NOTICE,
        identifiers=["date_of_birth", "case_number"],
        cosignature_required=True,
        paper_size=paper,
    )
    html = write_html(session, kind, tmp_path / "documents")
    profile, printed, shot = tmp_path / "chromium", tmp_path / f"{kind}.pdf", tmp_path / f"{kind}-{paper}.png"
    loaded = chromium(profile, "--enable-logging=stderr", "--v=0", "--dump-dom", html.as_uri())
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "<main>" in loaded.stdout and "Riverside Family Services" in loaded.stdout
    console_errors = [line for line in loaded.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console_errors == []
    result = chromium(profile, "--no-pdf-header-footer", f"--print-to-pdf={printed}", html.as_uri())
    assert printed.is_file(), result.stderr[-2000:]
    chromium(profile, f"--screenshot={shot}", "--window-size=900,1300", "--hide-scrollbars", html.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000  # kept: pytest's basetemp, this test's folder

    pages = PdfReader(printed).pages
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert (round(width), round(height)) == ((612, 792) if paper == "letter" else (595, 842))
    texts = [page.extract_text() for page in pages]
    assert "Riverside Family Services" in texts[0]
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(pages)}" in text, f"page {number} has no page number"
        assert "client record of Riverside" in " ".join(text.split()), f"page {number} has no notice"
    assert "Date" in texts[-1] and ("Supervisor" in texts[-1] or kind == "consent_form" or kind == "provider_list")
    if kind == "consent_form":
        assert len(pages) == 1, "the consent form is one page to sign"
        assert "Client or legal representative" in texts[0]
    else:
        assert 1 <= len(pages) <= 6
