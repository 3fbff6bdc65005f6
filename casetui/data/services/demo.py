"""A synthetic caseload and resource directory for first runs, screenshots and tests.

Every person, organisation, address and phone number here is invented (phone numbers use the
555-01xx range reserved for fiction). Generation is deterministic for a given ``today``.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from casetui.data.domain import instruments, vocab
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import (
    Assessment,
    AssessmentNeed,
    Case,
    Client,
    Consent,
    Discharge,
    Goal,
    InstrumentScore,
    Location,
    Note,
    Objective,
    Organization,
    Phone,
    ProgressEntry,
    Referral,
    Service,
    ServiceAtLocation,
    StageChange,
)

FIRST_NAMES = [
    "Ada",
    "Bram",
    "Cleo",
    "Dario",
    "Esme",
    "Fenn",
    "Greta",
    "Hollis",
    "Ines",
    "Jonah",
    "Kaia",
    "Lior",
    "Mina",
    "Nico",
    "Orla",
    "Pax",
    "Quinn",
    "Rosa",
    "Sami",
    "Tove",
    "Uma",
    "Vito",
    "Wren",
    "Xavi",
    "Yara",
    "Zeke",
    "Alba",
    "Bodhi",
    "Cyra",
    "Dov",
]
# Surnames chosen to read as obviously invented.
LAST_NAMES = [
    "Sampleton",
    "Fictor",
    "Mockridge",
    "Placeholm",
    "Testwood",
    "Demoulin",
    "Exampleby",
    "Pretendle",
    "Notreal",
    "Madeupson",
    "Fauxley",
    "Synthwaite",
    "Imaginary",
    "Dummett",
    "Stubbings",
    "Fixturo",
    "Pseudonova",
    "Invento",
    "Fablehurst",
    "Storyfield",
    "Draftly",
    "Mockingham",
    "Tryout",
    "Specimen",
    "Prototype",
    "Modelli",
    "Sketchley",
    "Proxyn",
    "Standin",
    "Likeness",
]
LANGUAGES = ["English", "English", "English", "Spanish", "Arabic", "Vietnamese", "Somali", "French", "Tagalog"]
CITIES = [("Riverton", "90001"), ("Riverton", "90002"), ("Millbrook", "90010"), ("Oak Hollow", "90020")]
STREETS = ["Elm Row", "Quarry Lane", "Harbour Way", "Linden Court", "Foundry Street", "Maple Close"]
PROGRAMS = ["Housing stability", "Family support", "Reentry services", "General case management"]
DEMO_WORKER = "J. Rivera"  # the demo user; a colleague holds a few cases
WORKERS = [DEMO_WORKER, "A. Okafor"]

SERVICE_TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "housing": [
        ("Emergency Shelter Beds", "Overnight shelter with lockers, showers and evening meals."),
        ("Rapid Rehousing Program", "Short-term rental help and a housing navigator to find and keep an apartment."),
        ("Tenant Rights Clinic", "Advice on leases, repairs, deposits and eviction notices."),
        ("Rent Arrears Assistance", "One-time grants toward overdue rent to prevent eviction."),
    ],
    "food": [
        ("Community Food Pantry", "Weekly groceries including fresh produce; no appointment needed."),
        ("Hot Meal Program", "Free lunch served daily in a welcoming dining room."),
        ("SNAP Application Help", "Staff help apply for food benefits and gather documents."),
        ("Mobile Grocery Van", "Groceries delivered to neighbourhoods far from a supermarket."),
    ],
    "income": [
        ("Benefits Screening Desk", "Find out which benefits you qualify for and apply in one visit."),
        ("Free Tax Preparation", "Volunteer tax filing that claims every credit you are owed."),
        ("Disability Benefits Advocacy", "Help with disability claims, appeals and hearings."),
        ("Financial Coaching", "One-to-one coaching on budgets, debt and credit repair."),
    ],
    "employment": [
        ("Job Readiness Workshop", "Résumés, interview practice and job search support."),
        ("Supported Employment", "Job coaching for people with disabilities or mental illness."),
        ("Apprenticeship Pathways", "Paid training in building trades, healthcare and logistics."),
        ("Day Labour Centre", "Fair matching of workers with short-term jobs."),
    ],
    "education": [
        ("Adult Literacy Tutoring", "Reading and writing tutoring for adults at any level."),
        ("High School Equivalency Classes", "Preparation and testing for the equivalency diploma."),
        ("English Language Classes", "Conversation and grammar classes for new speakers."),
        ("Digital Skills Lab", "Learn to use email, smartphones and online forms."),
    ],
    "physical_health": [
        ("Community Health Clinic", "Primary care on a sliding fee scale, walk-ins welcome."),
        ("Free Dental Day", "Cleanings, fillings and extractions at no cost."),
        ("Diabetes Self-Management Class", "Learn to manage blood sugar, diet and medication."),
        ("Vision Screening and Glasses", "Eye tests and free glasses for low-income adults."),
    ],
    "mental_health": [
        ("Counselling Centre", "Individual and group counselling with licensed therapists."),
        ("Crisis Line and Mobile Team", "Around-the-clock crisis support by phone or in person."),
        ("Peer Support Drop-In", "Support from people with lived experience of mental illness."),
        ("Trauma Recovery Group", "A weekly group for survivors of trauma."),
    ],
    "substance_use": [
        ("Outpatient Recovery Program", "Counselling and medication for substance use disorders."),
        ("Detox Referral Line", "Help finding a detox bed today."),
        ("Harm Reduction Services", "Naloxone, safer-use supplies and testing."),
        ("Recovery Housing", "Sober living homes with peer support."),
    ],
    "legal": [
        ("Legal Aid Office", "Free civil legal help with housing, benefits and family law."),
        ("Expungement Clinic", "Clearing eligible records to remove barriers to work and housing."),
        ("Immigration Legal Services", "Low-cost help with immigration applications."),
        ("Protective Order Assistance", "Help filing for protective orders."),
    ],
    "transportation": [
        ("Reduced Fare Transit Pass", "Discounted transit passes for low-income riders."),
        ("Medical Ride Program", "Free rides to medical appointments."),
        ("Bicycle Recycling Shop", "Refurbished bikes and repair lessons."),
        ("Driver's Licence Reinstatement", "Help paying fines and restoring a licence."),
    ],
    "childcare": [
        ("Child Care Subsidy Office", "Help paying for licensed child care."),
        ("Head Start Centre", "Free early learning for children aged 3 to 5."),
        ("After-School Program", "Homework help and activities until 6 pm."),
        ("Parenting Support Group", "Weekly support for parents of young children."),
    ],
    "safety": [
        ("Domestic Violence Shelter", "Confidential shelter and safety planning."),
        ("Victim Advocacy", "Support through police reports and court."),
        ("Safe Home Repairs", "Locks, lighting and accessibility repairs for safety."),
        ("Youth Safe Place", "A safe place for young people in crisis."),
    ],
    "social_support": [
        ("Senior Companion Program", "Friendly visits and calls for isolated older adults."),
        ("Community Centre Activities", "Classes, meals and events for all ages."),
        ("Newcomer Welcome Network", "Mentors to help new arrivals settle in."),
        ("LGBTQ+ Community Drop-In", "A welcoming space with peer support."),
    ],
}
ORG_WORDS = [
    "Harbour",
    "Lantern",
    "Cedar",
    "Beacon",
    "Meadow",
    "Keystone",
    "Bridgeway",
    "Northgate",
    "Willow",
    "Summit",
]
ORG_KINDS = ["Community Services", "Family Centre", "Alliance", "Outreach", "Mission", "Health Partners"]


def _phone(rng: random.Random) -> str:
    # 555-0100 to 555-0199: the range set aside for fiction.
    return f"(555) 555-01{rng.randint(0, 99):02d}"


def build_directory(session: Session, today: date, *, rng: random.Random | None = None, copies: int = 4) -> int:
    """At least ``13 × 4 × copies`` services across every need category. Returns the count."""
    rng = rng or random.Random(7)
    orgs = []
    for index in range(len(ORG_WORDS) * 2):
        name = f"{ORG_WORDS[index % len(ORG_WORDS)]} {ORG_KINDS[index % len(ORG_KINDS)]}"
        if index >= len(ORG_WORDS):
            name += " of Millbrook"
        org = Organization(
            id=f"demo-org-{index + 1}",
            name=name,
            description=f"{name} is a fictional nonprofit serving the Riverton region.",
            website=f"https://example.org/{name.lower().replace(' ', '-')}",
            email=f"info@{ORG_WORDS[index % len(ORG_WORDS)].lower()}.example.org",
        )
        city, postal = CITIES[index % len(CITIES)]
        location = Location(
            id=f"demo-loc-{index + 1}",
            organization_id=org.id,
            name=f"{name} main office",
            address_1=f"{rng.randint(10, 990)} {rng.choice(STREETS)}",
            city=city,
            state_province="RS",
            postal_code=postal,
            country="US",
        )
        orgs.append((org, location))
    # No ORM relationships, so the unit of work does not order by foreign key: parents first.
    session.add_all(org for org, _ in orgs)
    session.flush()
    session.add_all(location for _, location in orgs)
    for index, (org, _) in enumerate(orgs):
        session.add(Phone(id=f"demo-org-phone-{index + 1}", organization_id=org.id, number=_phone(rng), type="voice"))
    session.flush()
    count = 0
    children: list = []
    populations = list(vocab.POPULATIONS)
    langs = [["en"], ["en", "es"], ["en", "es", "vi"], ["en", "ar", "so"], ["en", "fr"]]
    for copy in range(copies):
        for domain, templates in SERVICE_TEMPLATES.items():
            for name, description in templates:
                count += 1
                org, location = orgs[count % len(orgs)]
                min_age, max_age = rng.choice(
                    [(None, None), (None, None), (18, None), (62, None), (12, 24), (None, 17)]
                )
                pops = rng.choice([[], [], [], [rng.choice(populations)]])
                if "Youth" in name:
                    min_age, max_age = 12, 24
                    pops = ["youth"]
                if "Senior" in name:
                    min_age, max_age, pops = 60, None, ["older_adult"]
                if "LGBTQ" in name:
                    pops = ["lgbtq"]
                genders = ["woman"] if "Domestic Violence" in name and copy % 2 == 0 else []
                suffix = "" if copy == 0 else f" ({location.city})"
                verified = today - timedelta(days=rng.randint(10, 600))
                service = Service(
                    id=f"demo-svc-{count}",
                    organization_id=org.id,
                    name=f"{name}{suffix}",
                    description=f"{description} Offered by {org.name} in {location.city}.",
                    url=org.website,
                    email=org.email,
                    status="active",
                    application_process=rng.choice(
                        [
                            "Walk in during opening hours.",
                            "Call to book an intake appointment.",
                            "Referral from a case manager required.",
                        ]
                    ),
                    fees_description=rng.choice(
                        ["Free", "Free", "Sliding scale by income", "Small fee; waivers available"]
                    ),
                    schedule_description=rng.choice(
                        ["Mon-Fri 9:00-17:00", "Mon-Sat 8:00-20:00", "Tue and Thu 10:00-14:00", "24 hours"]
                    ),
                    eligibility_description=None
                    if not (min_age or max_age or pops)
                    else "See age and population limits.",
                    minimum_age=min_age,
                    maximum_age=max_age,
                    genders=genders,
                    languages=rng.choice(langs),
                    populations=pops,
                    categories=[domain],
                    service_area=f"{location.city} and surrounding county",
                    last_verified_on=verified,
                )
                session.add(service)
                children.append(
                    ServiceAtLocation(id=f"demo-sal-{count}", service_id=service.id, location_id=location.id)
                )
                children.append(
                    Phone(id=f"demo-phone-{count}", service_id=service.id, number=_phone(rng), type="voice")
                )
    session.flush()
    session.add_all(children)
    session.flush()
    return count


# The contact types the demo was first written with, in that order, so its random draws stay the same.
DEMO_NOTE_KINDS = ["visit", "phone", "email", "collateral", "note"]
NOTE_TEXTS = [
    "Met at the drop-in centre; client engaged well and shared updates on housing search.",
    "Phone check-in. Client attended the appointment and has the paperwork ready.",
    "Home visit. Reviewed budget together and set next steps.",
    "Spoke with the landlord (collateral) about the repair schedule, with consent on file.",
    "Emailed the list of food pantries near the client's address.",
    "Client missed the appointment; left a voicemail to reschedule.",
]
STAGE_PLAN = ["engagement"] * 3 + ["assessment"] * 4 + ["planning"] * 4 + ["implementation"] * 8 + ["reassessment"] * 5


def build_caseload(session: Session, today: date, *, clients: int = 25, rng: random.Random | None = None) -> None:
    """``clients`` open cases spread over every stage, plus one closed case."""
    rng = rng or random.Random(11)
    services = session.exec(select(Service)).all()
    by_domain: dict[str, list[Service]] = {}
    for service in services:
        for domain in service.categories:
            by_domain.setdefault(domain, []).append(service)
    domains = list(vocab.DOMAINS)
    for index in range(clients + 1):
        closed = index == clients
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        if index >= len(FIRST_NAMES):
            last = f"{last}-{LAST_NAMES[(index * 7) % len(LAST_NAMES)]}"
        city, postal = rng.choice(CITIES)
        dob = date(rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28))
        client = Client(
            first_name=first,
            last_name=last,
            date_of_birth=dob,
            preferred_name="Jo" if first == "Jonah" else None,
            gender=rng.choice(["woman", "man", "woman", "man", "non_binary"]),
            pronouns=None,
            language=rng.choice(LANGUAGES),
            phone=_phone(rng),
            email=f"{first.lower()}.{last.lower()}@example.com",
            address=f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
            city=city,
            postal_code=postal,
            household_size=rng.randint(1, 5),
            veteran=index % 9 == 3,
            populations=(["veteran"] if index % 9 == 3 else []) + (["family"] if index % 4 == 0 else []),
        )
        client.pronouns = {"woman": "she/her", "man": "he/him", "non_binary": "they/them"}[client.gender]
        session.add(client)
        session.flush()
        stage = "implementation" if closed else STAGE_PLAN[index % len(STAGE_PLAN)]
        opened = today - timedelta(days=rng.randint(20, 300) + (200 if closed else 0))
        case = Case(
            client_id=client.id,
            program=rng.choice(PROGRAMS),
            worker=WORKERS[1] if index % 6 == 5 else WORKERS[0],
            stage=stage,
            opened_on=opened,
            next_review_on=today + timedelta(days=rng.randint(-10, 60)),
        )
        session.add(case)
        session.flush()
        order = list(vocab.STAGES)
        for step, (a, b) in enumerate(zip([None] + order, order)):
            session.add(
                StageChange(
                    case_id=case.id,
                    from_stage=a,
                    to_stage=b,
                    changed_on=opened + timedelta(days=7 * step),
                    reason="Case opened" if a is None else "Ready for the next stage",
                    worker=case.worker,
                )
            )
            if b == stage:
                break
        needs = rng.sample(domains, 3)
        if order.index(stage) >= 1:
            assessment = Assessment(
                case_id=case.id,
                kind="intake",
                assessed_on=opened + timedelta(days=7),
                worker=case.worker,
                referral_source=rng.choice(["Self", "Hospital social work", "School counsellor", "Shelter staff"]),
                client_words="I need somewhere stable to live and help getting back to work.",
                strengths="Motivated, good support from a sibling, reliable with appointments.",
                consent_to_services=True,
            )
            session.add(assessment)
            session.flush()
            for domain in domains:
                score = rng.randint(1, 2) if domain in needs else rng.randint(3, 5)
                session.add(
                    AssessmentNeed(
                        assessment_id=assessment.id, domain=domain, score=score, wants_goal=domain in needs, note=None
                    )
                )
            phq = [rng.randint(0, 2) for _ in range(8)] + [
                1 if index == 4 else 0
            ]  # one safety flag, on a case of the demo user
            total = sum(phq)
            session.add(
                InstrumentScore(
                    assessment_id=assessment.id,
                    instrument="PHQ-9",
                    answers=phq,
                    total=total,
                    severity=instruments.severity(instruments.PHQ9, total),
                )
            )
            if phq[8] > 0:
                case.safety_flag, case.safety_flag_reason = True, "PHQ-9 item 9 answered above 0"
        if order.index(stage) >= 2:
            for goal_number, domain in enumerate(needs[:2]):
                start = opened + timedelta(days=14)
                due = today + timedelta(days=rng.randint(-5, 90)) if not closed else opened + timedelta(days=150)
                goal = Goal(
                    case_id=case.id,
                    statement=_goal_statement(domain),
                    domains=[domain],
                    measure=_goal_measure(domain),
                    unit="days" if domain == "employment" else "count",
                    direction="increase",
                    baseline=0,
                    target=10 if domain != "housing" else 1,
                    start_on=start,
                    due_on=due,
                    actor="client",
                    lifecycle_status="active",
                    achievement_status="improving" if goal_number == 0 else "in-progress",
                )
                if goal.target == 1:
                    goal.direction = "reach"
                session.add(goal)
                session.flush()
                session.add(
                    Objective(
                        goal_id=goal.id,
                        text="Gather documents (ID, income proof)",
                        due_on=start + timedelta(days=14),
                        done_on=start + timedelta(days=10),
                    )
                )
                session.add(
                    Objective(
                        goal_id=goal.id,
                        text="Attend the first appointment",
                        due_on=today + timedelta(days=rng.randint(-3, 20)),
                    )
                )
                value = 0.0
                for week in range(1, rng.randint(2, 8)):
                    recorded = start + timedelta(days=week * 10)
                    if recorded > today:
                        break
                    value = min(goal.target or 1, value + rng.choice([0, 1, 1, 2]))
                    session.add(
                        ProgressEntry(
                            goal_id=goal.id,
                            recorded_on=recorded,
                            value=value,
                            evidence_source=rng.choice(["Client report", "Pay stub", "Provider letter"]),
                        )
                    )
            for domain in needs[:2]:
                pool = by_domain.get(domain) or services
                if not pool:
                    continue
                service = rng.choice(pool)
                referred = opened + timedelta(days=rng.randint(15, 40))
                status = rng.choice(["sent", "accepted", "service_received"])
                session.add(
                    Referral(
                        case_id=case.id,
                        service_id=service.id,
                        provider_name=_org_name(session, service),
                        service_name=service.name,
                        domain=domain,
                        referred_on=referred,
                        follow_up_on=today + timedelta(days=rng.randint(-4, 14))
                        if status != "service_received"
                        else referred + timedelta(days=14),
                        status=status,
                        outcome_on=referred + timedelta(days=10) if status == "service_received" else None,
                        worker=case.worker,
                    )
                )
        session.add(
            Consent(
                client_id=client.id,
                recipient="Riverton Housing Authority",
                scope="referral",
                signed_on=opened,
                expires_on=today + timedelta(days=rng.choice([12, 200, 300])),
                worker=case.worker,
            )
        )
        for n in range(rng.randint(2, 7)):
            when = today - timedelta(days=rng.randint(1, 45) + n * 7)
            if when < opened:
                break
            session.add(
                Note(
                    case_id=case.id,
                    occurred_on=when,
                    kind=rng.choice(DEMO_NOTE_KINDS),
                    duration_minutes=rng.choice([15, 30, 45, 60]),
                    text=rng.choice(NOTE_TEXTS),
                    worker=case.worker,
                    # Written and signed the day of the contact, as a careful worker does.
                    written_on=when,
                    signed_at=datetime(when.year, when.month, when.day, 17, 0, tzinfo=UTC),
                )
            )
        if closed:
            closed_on = today - timedelta(days=20)
            case.stage, case.closed_on = "closure", closed_on
            case.retention_until = closed_on.replace(year=closed_on.year + 7)
            case.next_review_on = None
            session.add(
                StageChange(
                    case_id=case.id,
                    from_stage="implementation",
                    to_stage="closure",
                    changed_on=closed_on,
                    reason="Discharge: goals met by mutual agreement",
                    worker=case.worker,
                )
            )
            session.add(
                Discharge(
                    case_id=case.id,
                    reason="goals_met",
                    planned=True,
                    discharge_on=closed_on,
                    destination=410,
                    recommendations="Keep attending the peer support group.",
                    summary_text="Client met both goals and moved into a rental without subsidy.",
                    steps_done=["reason", "goals", "linkage", "coordination", "documentation", "review"],
                    finalized_at=datetime.combine(closed_on, datetime.min.time(), tzinfo=UTC),
                    closed_at=datetime.combine(closed_on, datetime.min.time(), tzinfo=UTC),
                    worker=case.worker,
                )
            )
        session.add(case)


def _org_name(session: Session, service: Service) -> str:
    org = session.get(Organization, service.organization_id) if service.organization_id else None
    return org.name if org else service.name


def _goal_statement(domain: str) -> str:
    return {
        "housing": "I want a place of my own with my name on the lease.",
        "employment": "I want to be working steady shifts again.",
        "food": "I want to have enough food for my family every week.",
        "income": "I want my benefits sorted so I can pay my bills.",
    }.get(domain, f"I want things to get better with my {vocab.DOMAINS[domain].lower()}.")


def _goal_measure(domain: str) -> str:
    return {
        "housing": "Signed lease",
        "employment": "Days worked in the last two weeks",
        "food": "Weeks with enough food this quarter",
    }.get(domain, "Steps completed")


def write_demo(session: Session, today: date, *, clients: int = 25) -> None:
    """Write the whole demo (directory first, then caseload) in one transaction."""
    build_directory(session, today)
    session.flush()
    build_caseload(session, today, clients=clients)
    build_week(session, today)
    audit.record(session, "create", "demo", None, fields=["caseload", "directory", "appointments"])
    session.flush()


# --- the demo worker's week: appointments and tasks ------------------------------------------


def build_week(session: Session, today: date, *, zone: str | None = None) -> None:
    """A realistic week for the demo worker: today's visits, calls and a team meeting, the rest of
    the week, one weekly home visit for two months, a no-show and a client's cancellation
    earlier in the week, and tasks due and overdue."""
    from datetime import time

    from casetui.data.domain import clock
    from casetui.data.services import appointments
    from casetui.data.storage.models import Appointment, AppointmentSeries, Case, Task

    zone = zone or clock.local_zone_name()
    mine = session.exec(
        select(Case).where(Case.worker == DEMO_WORKER, Case.closed_on.is_(None)).order_by(Case.id)
    ).all()
    if len(mine) < 8:
        return
    by_name = {}
    for case in mine:
        client = session.get(Client, case.client_id)
        by_name[client.last_name] = case
    pick = [
        by_name.get(name) or mine[n]
        for n, name in enumerate(
            ["Notreal", "Fictor", "Mockridge", "Placeholm", "Testwood", "Exampleby", "Pretendle", "Madeupson"]
        )
    ]

    def add(
        case,
        day,
        at,
        minutes,
        kind,
        place=None,
        status="scheduled",
        purpose=None,
        with_whom=None,
        reminder=15,
        series=None,
    ):
        session.add(
            Appointment(
                client_id=case.client_id if case else None,
                case_id=case.id if case else None,
                series_id=series,
                worker=DEMO_WORKER,
                starts_on=day,
                start_time=at,
                time_zone=zone,
                duration_minutes=minutes,
                kind=kind,
                place=place,
                purpose=purpose,
                with_whom=with_whom,
                status=status,
                reminder_minutes=reminder,
            )
        )

    day = timedelta(days=1)
    add(pick[1], today, time(9, 30), 45, "office", "Office, room 2", purpose="Review the housing application")
    add(pick[2], today, time(11, 0), 20, "phone", purpose="Check in after the clinic visit")
    add(None, today, time(12, 30), 60, "other", "Office, meeting room", with_whom="Team meeting", reminder=None)
    add(pick[0], today, time(14, 30), 60, "home_visit", "Client's home", purpose="Budget and rent arrears")
    add(pick[3], today + day, time(10, 0), 120, "accompany", "Riverton Health Clinic", purpose="First appointment")
    add(pick[4], today + 2 * day, time(9, 0), 180, "court", "Riverton County Court", purpose="Eviction hearing")
    add(pick[5], today + 3 * day, time(13, 0), 30, "video", purpose="Benefits paperwork")
    add(pick[6], today - day, time(15, 0), 60, "home_visit", "Client's home", status="no_show")
    add(pick[7], today - 2 * day, time(10, 0), 45, "office", "Office, room 2", status="cancelled_client")
    # Yesterday's call, moved by the client to today's 11:00.
    session.flush()
    moved_to = session.exec(
        select(Appointment).where(Appointment.starts_on == today, Appointment.start_time == time(11, 0))
    ).one()
    add(pick[2], today - day, time(10, 0), 20, "phone", status="rescheduled")
    session.flush()
    moved = session.exec(select(Appointment).where(Appointment.status == "rescheduled")).one()
    moved.rescheduled_to_id = moved_to.id
    # A weekly home visit, from the next weekday two days on, for two months (RFC 5545 rule).
    first = today + 2 * day
    until = first + timedelta(weeks=8)
    days = appointments.occurrences(first, "weekly", until)
    series = AppointmentSeries(
        frequency="weekly",
        repeat_until=until,
        rrule=appointments.rule_text("weekly", clock.to_utc(days[-1], time(16, 0), zone)),
    )
    session.add(series)
    session.flush()
    for when in days:
        add(pick[1], when, time(16, 0), 60, "home_visit", "Client's home", purpose="Weekly visit", series=series.id)
    for title, due, priority, case, done in [
        ("Call the landlord about the repair", today, "high", pick[0], None),
        ("Send the housing application", today + day, "normal", pick[1], None),
        ("Ask for a copy of the ID", today - 2 * day, "normal", pick[6], None),
        ("Chase the benefits letter", today - 5 * day, "high", pick[5], None),
        ("Book the interpreter for Thursday", today, "normal", pick[4], today - day),
        ("Team rota for next month", today + 3 * day, "low", None, None),
    ]:
        session.add(
            Task(
                title=title,
                due_on=due,
                priority=priority,
                worker=DEMO_WORKER,
                done_on=done,
                client_id=case.client_id if case else None,
                case_id=case.id if case else None,
            )
        )
    session.flush()
