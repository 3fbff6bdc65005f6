"""Documents casetui rendered for a case: saving them, and their log (the client's Documents tab)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from casetui.data.domain import pdf
from casetui.data.domain import templates as documents
from casetui.data.domain.errors import ValidationError
from casetui.data.services import agency, cases, clients
from casetui.data.storage import audit_log as audit
from casetui.data.storage import files
from casetui.data.storage.models import Document


def save(text: str | bytes, path: Path | str) -> Path:
    """Write a rendered document owner-only (0600), whole or not at all, creating its folder
    (owner-only) if need be."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return files.private_write(path, text)


def record_document(
    session: Session, case_id: int, *, kind: str, title: str, path: Path | str | None, today: date
) -> Document:
    """Log a saved document. Allowed on closed cases too: reading out a record is not a change."""
    case = cases.get_case(session, case_id)
    document = Document(case_id=case_id, kind=kind, title=title, path=str(path) if path else None, created_on=today)
    session.add(document)
    session.flush()
    audit.record(session, "export", "document", document.id, client_id=case.client_id, fields=["kind"])
    session.flush()
    return document


def list_documents(session: Session, case_id: int) -> list[Document]:
    return list(
        session.exec(
            select(Document).where(Document.case_id == case_id).order_by(Document.created_on.desc(), Document.id.desc())
        )
    )


# --- what the Documents tab shows, and writing a document in every format -------------------

# Kind -> how the Documents tab names it.
KINDS: dict[str, str] = {
    "intake_summary": "Intake summary",
    "reassessment_summary": "Reassessment summary",
    "provider_list": "Provider list",
    "discharge_summary": "Discharge summary",
    "consent_form": "Consent form",
    "referral_letter": "Referral letter",
}
FORMATS: dict[str, str] = {"md": "Markdown", "html": "HTML", "pdf": "PDF"}


def kind_label(document: Document) -> str:
    """Readable kind; summaries logged before the reassessment had a kind of its own say so in
    their title."""
    if document.kind == "intake_summary" and document.title.startswith("Reassessment"):
        return KINDS["reassessment_summary"]
    return KINDS.get(document.kind, document.kind.replace("_", " ").capitalize())


def signers(kind: str, cosign: bool) -> list[str]:
    """Who signs a document of ``kind``: the supervisor too where the agency requires a co-signature."""
    supervisor = ["Supervisor"] if cosign else []
    return {
        "intake_summary": ["Client", "Case manager", *supervisor],
        "reassessment_summary": ["Client", "Case manager", *supervisor],
        "provider_list": ["Case manager"],
        "discharge_summary": ["Case manager", *supervisor],
        "consent_form": ["Client or legal representative", "Witness (case manager)"],
        "referral_letter": ["Case manager", *supervisor],
    }.get(kind, ["Case manager", *supervisor])


def write_formats(
    session: Session,
    case_id: int,
    *,
    kind: str,
    title: str,
    paths: dict[str, Path],
    render: dict[str, Callable[[], str | bytes]],
    today: date,
    field: str = "path",
) -> list[Path]:
    """Write each format in ``paths`` (``render[fmt]()`` gives its text or bytes) owner-only and
    log each on the case's documents. A disk refusing a file is told as an error on ``field``."""
    written = []
    for fmt, path in paths.items():
        try:
            written.append(save(render[fmt](), path))
        except OSError as exc:
            raise ValidationError(field, f"Could not write {path}: {exc.strerror or exc}.") from None
    for path in written:
        record_document(
            session,
            case_id,
            kind=kind,
            title=f"{title} ({FORMATS.get(path.suffix[1:], path.suffix[1:])})",
            path=path,
            today=today,
        )
    return written


def framed_context(session: Session, case_id: int, kind: str, *, lang: str = "en", **context) -> dict:
    """A document's context with its frame: the agency header, the client's identifiers, who signs."""
    case = cases.get_case(session, case_id)
    client = clients.get_client(session, case.client_id)
    frame = agency.frame(session, client=client, case=case, lang=lang)
    return {**frame, "signatures": signers(kind, frame["cosign"]), **context}


def write_document(
    session: Session,
    case_id: int,
    *,
    kind: str,
    template: str,
    title: str,
    folder: Path | str,
    stem: str,
    context: dict,
    today: date,
    formats: tuple[str, ...] = tuple(FORMATS),
    field: str = "folder",
) -> list[Path]:
    """Write ``template`` (``template.md`` and ``template.html``; the PDF from the HTML's content
    block) in its frame into ``folder`` and log each file. ``context`` comes from ``framed_context``."""
    folder = Path(str(folder).strip() or ".").expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValidationError(field, f"{folder} is a file, not a folder.")
    lang = context.get("lang", "en")
    words = documents.translations(lang)
    body = {key: value for key, value in context.items() if key != "lang"}
    renderers = {
        "md": lambda: documents.render(f"{template}.md", lang=lang, **body),
        "html": lambda: documents.render(f"{template}.html", lang=lang, **body),
        "pdf": lambda: pdf.render_pdf(
            documents.render_block(f"{template}.html", "content", lang=lang, **body),
            {**context, "identifiers": [(words.gettext(label), value) for label, value in context["identifiers"]]},
            title=title,
            signers=[words.gettext(who) for who in context["signatures"]],
            labels=documents.pdf_labels(lang),
        ),
    }
    return write_formats(
        session,
        case_id,
        kind=kind,
        title=title,
        paths={fmt: folder / f"{stem}.{fmt}" for fmt in formats},
        render=renderers,
        today=today,
        field=field,
    )


def free_stem(folder: Path, stem: str) -> str:
    """A file name stem not yet used in ``folder``: a second letter or form on the same day (for
    another provider) must not replace the first."""
    candidate, n = stem, 2
    while any((folder.expanduser() / f"{candidate}.{fmt}").exists() for fmt in FORMATS):
        candidate, n = f"{stem}-{n}", n + 1
    return candidate
