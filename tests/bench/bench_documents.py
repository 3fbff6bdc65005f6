"""Writing documents on the demo caseload (25 open cases): what a case manager waits for after
making a discharge summary final or asking for a consent form or a referral letter.

- ``summary_final_ms``: ``save_documentation(final=True)``, which writes the summary as Markdown,
  HTML and PDF and lists the three files, in one transaction (the wizard's make-final).
- ``consent_form_ms``: the release-of-information form, three formats, listed.
- ``referral_letter_ms``: a referral letter with everything a full-record consent allows.
- ``pdf_intake_summary_ms``: the PDF alone of the longest intake summary (PHQ-9, GAD-7, every
  domain): fpdf2 laying out the template's content block.
Medians of ``args.runs`` runs (at least 5) after one warm-up, each in a fresh copy of the case
(the transaction is rolled back).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 1, 15)


def _median_ms(database, work, runs: int) -> float:
    times = []
    for n in range(runs + 1):
        session_cm = database.transaction()
        session = session_cm.__enter__()
        try:
            started = time.perf_counter()
            work(session)
            if n:  # the first run warms up (templates compiled, fonts loaded)
                times.append((time.perf_counter() - started) * 1000)
        finally:
            session.rollback()
            session_cm.__exit__(None, None, None)
    return round(statistics.median(times), 1)


def run(workdir: Path, args) -> dict:
    from sqlmodel import select

    from casetui.data.services import assessments, consent, demo, discharge, referrals
    from casetui.data.storage.database import open_database
    from casetui.data.storage.models import Case

    database = open_database(str(workdir / "demo.db"), worker="bench", create=True)
    with database.transaction() as session:
        demo.write_demo(session, TODAY)
    with database.transaction() as session:
        cases = list(session.exec(select(Case).where(Case.closed_on.is_(None)).order_by(Case.id)))
        case = next(c for c in cases if referrals.list_referrals(session, c.id))
        referral = referrals.list_referrals(session, case.id)[0]
        consent.record_consent(
            session, case.client_id, recipient=referral.provider_name, scope="full_record", signed_on=TODAY, today=TODAY
        )
        longest = max(
            (a for c in cases for a in assessments.list_assessments(session, c.id)),
            key=lambda a: len(assessments.render_summary(session, a.id, TODAY)),
        )
    runs = max(args.runs, 5)
    folder = workdir / "documents"

    def final(session):
        text = discharge.render_summary(session, case.id, TODAY)
        discharge.save_documentation(
            session, case.id, recommendations="Keep going.", summary_text=text, final=True, folder=folder, today=TODAY
        )

    try:
        return figures(database, case, referral, longest, folder, runs, final)
    finally:
        database.dispose()


def figures(database, case, referral, longest, folder, runs, final) -> dict:
    from casetui.data.services import assessments, consent_form, referral_letter

    return {
        "summary_final_ms": _median_ms(database, final, runs),
        "consent_form_ms": _median_ms(
            database,
            lambda s: consent_form.write_form(
                s, case.id, folder, today=TODAY, recipient="Cedar Clinic", scope="health"
            ),
            runs,
        ),
        "referral_letter_ms": _median_ms(
            database, lambda s: referral_letter.write_letter(s, referral.id, folder, today=TODAY), runs
        ),
        "pdf_intake_summary_ms": _median_ms(
            database, lambda s: assessments.render_summary(s, longest.id, TODAY, "pdf"), runs
        ),
    }
