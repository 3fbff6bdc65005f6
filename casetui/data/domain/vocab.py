"""Controlled vocabularies shared by services, screens, documents and exports.

Codes are the standards' own where a standard exists (HL7 FHIR Goal, HUD HMIS FY2024,
Self-Sufficiency Matrix); labels are what a case manager reads.
"""

from __future__ import annotations

# Need domains: used by assessments, goals, resource categories and referrals alike.
DOMAINS: dict[str, str] = {
    "housing": "Housing",
    "food": "Food",
    "income": "Income and benefits",
    "employment": "Employment",
    "education": "Education",
    "physical_health": "Physical health",
    "mental_health": "Mental health",
    "substance_use": "Substance use",
    "legal": "Legal",
    "transportation": "Transportation",
    "childcare": "Childcare",
    "safety": "Safety",
    "social_support": "Social support",
}

# Self-Sufficiency Matrix, 1-5.
SSM_SCALE: dict[int, str] = {
    1: "In crisis",
    2: "Vulnerable",
    3: "Safe",
    4: "Building capacity",
    5: "Empowered",
}

# Populations served / client population flags (HSDS eligibility, intake demographics).
POPULATIONS: dict[str, str] = {
    "veteran": "Veterans",
    "youth": "Youth",
    "older_adult": "Older adults",
    "refugee": "Refugees and immigrants",
    "lgbtq": "LGBTQ+",
    "disability": "People with disabilities",
    "homeless": "People experiencing homelessness",
    "domestic_violence": "Survivors of domestic violence",
    "reentry": "People leaving incarceration",
    "family": "Families with children",
}

GENDERS: dict[str, str] = {
    "woman": "Woman",
    "man": "Man",
    "non_binary": "Non-binary",
    "transgender": "Transgender",
    "questioning": "Questioning",
    "other": "Another gender",
    "not_stated": "Prefers not to say",
}

# Case management stages, in order.
STAGES: dict[str, str] = {
    "engagement": "Engagement",
    "assessment": "Assessment",
    "planning": "Planning",
    "implementation": "Implementation",
    "reassessment": "Reassessment",
    "closure": "Closure",
}

# The contact types funders ask for; "note" is a case note, not a contact with anyone.
NOTE_KINDS: dict[str, str] = {
    "visit": "Face to face",
    "phone": "Phone",
    "video": "Video",
    "text": "Text message",
    "email": "Email",
    "collateral": "Collateral contact",
    "note": "Case note",
}

# How a note is written: free text, or the sections of DAP or SOAP.
NOTE_FORMATS: dict[str, str] = {
    "narrative": "Narrative",
    "dap": "DAP (data, assessment, plan)",
    "soap": "SOAP (subjective, objective, assessment, plan)",
}
NOTE_SECTIONS: dict[str, dict[str, str]] = {
    "narrative": {"text": "Note"},
    "dap": {"data": "Data", "assessment": "Assessment", "plan": "Plan"},
    "soap": {"subjective": "Subjective", "objective": "Objective", "assessment": "Assessment", "plan": "Plan"},
}

HOUSEHOLD_RELATIONSHIPS: dict[str, str] = {
    "partner": "Spouse or partner",
    "child": "Child",
    "parent": "Parent",
    "sibling": "Brother or sister",
    "grandparent": "Grandparent",
    "grandchild": "Grandchild",
    "other_relative": "Other relative",
    "foster": "Foster child",
    "roommate": "Roommate",
    "other": "Other",
}

# HL7 FHIR Goal.lifecycleStatus (http://hl7.org/fhir/goal-status).
GOAL_LIFECYCLE: dict[str, str] = {
    "proposed": "Proposed",
    "planned": "Planned",
    "accepted": "Accepted",
    "active": "Active",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "entered-in-error": "Entered in error",
    "rejected": "Rejected",
}
GOAL_LIFECYCLE_OPEN = ("proposed", "planned", "accepted", "active", "on-hold")

# HL7 FHIR Goal.achievementStatus (http://terminology.hl7.org/CodeSystem/goal-achievement).
GOAL_ACHIEVEMENT: dict[str, str] = {
    "in-progress": "In progress",
    "improving": "Improving",
    "worsening": "Worsening",
    "no-change": "No change",
    "achieved": "Achieved",
    "sustaining": "Sustaining",
    "not-achieved": "Not achieved",
    "no-progress": "No progress",
    "not-attainable": "Not attainable",
}

GOAL_DIRECTIONS: dict[str, str] = {
    "increase": "Increase to target",
    "decrease": "Decrease to target",
    "reach": "Reach (yes/no)",
}

GOAL_ACTORS: dict[str, str] = {
    "client": "Client",
    "case_manager": "Case manager",
    "provider": "Provider",
}

REFERRAL_STATUSES: dict[str, str] = {
    "sent": "Sent",
    "accepted": "Accepted",
    "client_declined": "Client declined",
    "provider_declined": "Provider declined",
    "service_received": "Service received",
    "no_show": "No-show",
}
# A referral is open (its follow-up shows on the caseload) until one of these is recorded.
REFERRAL_CLOSED = ("client_declined", "provider_declined", "service_received", "no_show")
# Outcomes that need a reason in words.
REFERRAL_FAILED = ("client_declined", "provider_declined", "no_show")
# HUD HMIS FY2024 4.20.D, Referral result, as the referrals table shows an outcome.
REFERRAL_RESULTS: dict[str, str] = {
    "accepted": "Successful referral: client accepted",
    "service_received": "Successful referral: client accepted",
    "client_declined": "Unsuccessful referral: client rejected",
    "no_show": "Unsuccessful referral: client rejected",
    "provider_declined": "Unsuccessful referral: provider rejected",
}

DISCHARGE_REASONS: dict[str, str] = {
    "goals_met": "Goals met by mutual agreement",
    "maximal_improvement": "Maximal medical improvement",
    "payer_criteria": "No longer meets the payer's criteria",
    "time_limit": "Assignment time limit reached",
    "moved": "Moved to another area",
    "duplicate_service": "Transferred to a facility with its own case management",
    "non_compliance": "Client non-compliance or left against advice",
    "lost_eligibility": "Lost eligibility",
    "client_request": "Client request",
    "deceased": "Deceased",
    "other": "Other",
}

# HUD HMIS Data Standards FY2024, element 3.12 Destination.
HMIS_DESTINATION_GROUPS: dict[str, str] = {
    "homeless": "Homeless situations",
    "institutional": "Institutional situations",
    "temporary": "Temporary housing situations",
    "permanent": "Permanent housing situations",
    "other": "Other",
}
HMIS_DESTINATIONS: dict[int, tuple[str, str]] = {
    116: (
        "homeless",
        "Place not meant for habitation (e.g., a vehicle, an abandoned building, bus/train/subway station/airport or anywhere outside)",
    ),
    101: (
        "homeless",
        "Emergency shelter, including hotel or motel paid for with emergency shelter voucher, Host Home shelter",
    ),
    118: ("homeless", "Safe Haven"),
    215: ("institutional", "Foster care home or foster care group home"),
    206: ("institutional", "Hospital or other residential non-psychiatric medical facility"),
    207: ("institutional", "Jail, prison, or juvenile detention facility"),
    225: ("institutional", "Long-term care facility or nursing home"),
    204: ("institutional", "Psychiatric hospital or other psychiatric facility"),
    205: ("institutional", "Substance abuse treatment facility or detox center"),
    302: ("temporary", "Transitional housing for homeless persons (including homeless youth)"),
    329: ("temporary", "Residential project or halfway house with no homeless criteria"),
    314: ("temporary", "Hotel or motel paid for without emergency shelter voucher"),
    332: ("temporary", "Host Home (non-crisis)"),
    312: ("temporary", "Staying or living with family, temporary tenure (e.g., room, apartment, or house)"),
    313: ("temporary", "Staying or living with friends, temporary tenure (e.g., room, apartment, or house)"),
    327: ("temporary", "Moved from one HOPWA funded project to HOPWA TH"),
    422: ("permanent", "Staying or living with family, permanent tenure"),
    423: ("permanent", "Staying or living with friends, permanent tenure"),
    426: ("permanent", "Moved from one HOPWA funded project to HOPWA PH"),
    410: ("permanent", "Rental by client, no ongoing housing subsidy"),
    435: ("permanent", "Rental by client, with ongoing housing subsidy"),
    421: ("permanent", "Owned by client, with ongoing housing subsidy"),
    411: ("permanent", "Owned by client, no ongoing housing subsidy"),
    30: ("other", "No exit interview completed"),
    17: ("other", "Other"),
    24: ("other", "Deceased"),
    37: ("other", "Worker unable to determine"),
    8: ("other", "Client doesn't know"),
    9: ("other", "Client prefers not to answer"),
    99: ("other", "Data not collected"),
}
HMIS_SUBSIDY_DESTINATION = 435
# HUD HMIS FY2024, 3.12.A Rental subsidy type (asked only when the destination is 435).
HMIS_SUBSIDY_TYPES: dict[int, str] = {
    428: "GPD TIP housing subsidy",
    419: "VASH housing subsidy",
    431: "RRH or equivalent subsidy",
    433: "HCV voucher (tenant or project based) (not dedicated)",
    434: "Public housing unit",
    420: "Rental by client, with other ongoing housing subsidy",
    436: "Emergency Housing Voucher",
    437: "Family Unification Program Voucher (FUP)",
    438: "Foster Youth to Independence Initiative (FYI)",
    439: "Permanent Supportive Housing",
    440: "Other permanent housing dedicated for formerly homeless persons",
}

CONSENT_SCOPES: dict[str, str] = {
    "referral": "Referral information",
    "assessment": "Assessment and needs",
    "health": "Health information",
    "full_record": "Full case record",
}

AUDIT_ACTIONS = ("create", "update", "delete", "open", "stage", "close", "reopen", "export")

# --- resource directory: eligibility and search words (issue 19) ------------------------------

# Populations a person belongs to by age alone: code -> (minimum, maximum) whole years, either
# end open. A service's own minimum and maximum age, when it states them, come first.
AGE_POPULATIONS: dict[str, tuple[int | None, int | None]] = {
    "older_adult": (60, None),  # Older Americans Act services: 60 and over
    "youth": (12, 24),  # HUD's "unaccompanied youth" reach 24
}

# Words that mean the same thing to someone asking for help, per need category. A query word or
# phrase from a group also finds the group's other phrases (ranked below the words typed).
SYNONYMS: dict[str, list[tuple[str, ...]]] = {
    "housing": [
        ("rent", "rental assistance", "rent help"),
        ("shelter", "emergency housing", "emergency shelter"),
        ("eviction", "eviction prevention"),
    ],
    "food": [("groceries", "food bank", "food pantry"), ("meals", "soup kitchen", "hot meals")],
    "income": [("benefits", "public assistance"), ("cash assistance", "financial assistance")],
    "employment": [("job", "jobs", "employment", "work")],
    "education": [("esl", "english classes", "english as a second language"), ("ged", "high school equivalency")],
    "mental_health": [("counselling", "therapy", "mental health")],
    "substance_use": [("detox", "withdrawal management"), ("rehab", "addiction treatment")],
    "legal": [("lawyer", "legal aid", "attorney")],
    "transportation": [("bus pass", "transit pass"), ("ride", "rides", "transportation")],
    "childcare": [("childcare", "child care", "daycare", "day care")],
    "safety": [("domestic violence", "family violence", "intimate partner violence")],
    "physical_health": [("doctor", "clinic", "primary care"), ("dentist", "dental")],
}

# British and American spellings (and common variants) are one word to the search.
SPELLING_VARIANTS: dict[str, str] = {
    "counselling": "counseling",
    "counsellor": "counselor",
    "counsellors": "counselors",
    "centre": "center",
    "centres": "centers",
    "behaviour": "behavior",
    "behavioural": "behavioral",
    "programme": "program",
    "programmes": "programs",
    "labour": "labor",
    "neighbourhood": "neighborhood",
    "organisation": "organization",
    "enrolment": "enrollment",
    "licence": "license",
    "paediatric": "pediatric",
    "ageing": "aging",
    "colour": "color",
    "travelling": "traveling",
    "defence": "defense",
    "favour": "favor",
}
