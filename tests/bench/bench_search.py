"""Resource directory benchmark: 100,000 synthetic services through the HSDS importer, then search.

Figures: ``import_100k_s`` (HSDS CSV package -> database, search index included),
``search_p50_ms`` / ``search_p95_ms`` (``resources.search`` over every keystroke prefix of a
fixed list of queries, each with a filter set, hits built with a client profile), and
``rss_mb``: peak RSS of a fresh process that opens the 100k directory and runs those searches,
as the app does. Run alone: ``python tests/bench/run.py --only search``.
"""

from __future__ import annotations

import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SERVICES = 100_000
TODAY = date(2026, 1, 15)

# What case managers type: every prefix of these is searched, keystroke by keystroke.
QUERIES = [
    "food pantry",
    "housing",
    "legal aid",
    "counselling",
    "job training",
    "rent help",
    "dental clinic",
    "youth shelter",
    "english classes",
    "detox",
    "bus pass",
    "child care",
    # Mistyped, as people type in a hurry: typo tolerance finds what was meant.
    "conseling",
    "fod bank",
]
FILTER_SETS = [
    {},
    {"category": "food"},
    {"language": "Spanish"},
    {"age": 16},
    {"place": "Riverton"},
    {"population": "veteran"},
    {"gender": "woman", "category": "housing"},
    {"category": "legal", "age": 30, "language": "es", "place": "90012"},
]

DOMAIN_WORDS = {
    "housing": "shelter rent lease eviction apartment landlord deposit tenant motel voucher repairs utilities housing",
    "food": "pantry groceries meals produce nutrition lunch dinner breakfast kitchen delivery formula food",
    "income": "benefits tax credits budget debt coaching savings grants disability application appeal cash",
    "employment": "jobs resume interview training apprenticeship career placement hiring wages shifts employment",
    "education": "literacy classes tutoring diploma college english equivalency computer skills enrollment",
    "physical_health": "clinic doctor dental vision checkup vaccines prescriptions diabetes nurse screening",
    "mental_health": "counselling therapy crisis depression anxiety trauma psychiatric wellness peer",
    "substance_use": "recovery detox treatment naloxone sober addiction outpatient methadone harm reduction",
    "legal": "lawyer court expungement immigration custody advice rights hearing protective legal aid",
    "transportation": "bus fare rides transit repair licence bicycle shuttle medical trips pass",
    "childcare": "daycare preschool after-school subsidy infant toddler parenting camp child care",
    "safety": "violence advocacy hotline safety planning confidential abuse emergency survivors",
    "social_support": "companionship seniors community centre activities mentors groups volunteers friendship",
}
TERMS = {
    "housing": "Housing",
    "food": "Food",
    "income": "Money",
    "employment": "Work",
    "education": "Education",
    "physical_health": "Medical Care",
    "mental_health": "Mental Health Care",
    "substance_use": "Addiction & Recovery",
    "legal": "Legal",
    "transportation": "Transit",
    "childcare": "Childcare",
    "safety": "Domestic Violence Services",
    "social_support": "Support Groups",
}
POPULATION_TERMS = {
    "veteran": "Veterans",
    "youth": "Youth",
    "older_adult": "Seniors",
    "refugee": "Refugees",
    "lgbtq": "LGBTQ",
    "disability": "Disabled",
    "homeless": "Homeless",
    "reentry": "Reentry",
    "family": "Families",
}
OPENERS = [
    "{org} offers",
    "Our team provides",
    "This program gives",
    "Trained staff and volunteers offer",
    "We provide",
    "The centre runs",
]
MIDDLES = [
    "free and confidential {w1} and {w2} for residents of {city} and nearby neighbourhoods.",
    "{w1}, {w2} and {w3} to people who need support, with no appointment needed on weekdays.",
    "help with {w1} and {w2}; staff speak several languages and interpreters can be arranged.",
    "weekly {w1} sessions, {w2} and referrals to partner agencies across the county.",
    "short-term {w1} and longer-term {w2} planning with a named worker.",
]
GENERAL = [
    "Bring identification and proof of address if you have them, but nobody is turned away.",
    "Call ahead to check opening hours around public holidays.",
    "Services are offered in person, by phone and by video.",
    "The building is wheelchair accessible and close to the bus line.",
    "Families, individuals and older adults are all welcome.",
    "Staff can help complete application forms and gather documents.",
    "A case manager can make a referral, or you can walk in.",
    "There is no cost for most services; some programs ask for a small donation.",
    "Evening hours are available on Tuesdays and Thursdays.",
    "We work closely with shelters, clinics and schools in the area.",
]
NAME_A = [
    "Community",
    "Neighbourhood",
    "Regional",
    "Family",
    "Youth",
    "Senior",
    "Veterans",
    "Women's",
    "Downtown",
    "Eastside",
    "Westside",
    "Northside",
    "Open Door",
    "Hope",
    "New Start",
    "Bright Path",
    "Safe Harbour",
    "First Step",
]
NAME_C = ["Program", "Centre", "Services", "Project", "Network", "Clinic", "Initiative", "Hub", "Line", "Desk"]
ORG_A = [
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
    "Aspen",
    "Juniper",
    "Granite",
    "Falcon",
    "Orchard",
    "Riverside",
    "Hillcrest",
    "Lakeside",
    "Prairie",
    "Sequoia",
]
ORG_B = [
    "Community Services",
    "Family Centre",
    "Alliance",
    "Outreach",
    "Mission",
    "Health Partners",
    "Coalition",
    "Foundation",
    "Society",
    "Collaborative",
]
CITY_NAMES = [
    "Riverton",
    "Millbrook",
    "Oak Hollow",
    "Pinecrest",
    "Fairview",
    "Ashford",
    "Brookside",
    "Clearwater",
    "Elmwood",
    "Glenview",
]
LANGUAGE_SETS = [
    ["en"],
    ["en", "es"],
    ["en", "es", "vi"],
    ["en", "ar", "so"],
    ["en", "fr"],
    ["es"],
    ["en", "zh", "ko"],
    [],
]


def _description(rng: random.Random, org: str, city: str, domains: list[str]) -> str:
    words = [w for d in domains for w in DOMAIN_WORDS[d].split()]
    target = rng.randint(50, 150)
    sentences: list[str] = []
    count = 0
    while count < target:
        if not sentences or rng.random() < 0.5:
            sentence = f"{rng.choice(OPENERS).format(org=org)} " + rng.choice(MIDDLES).format(
                w1=rng.choice(words), w2=rng.choice(words), w3=rng.choice(words), city=city
            )
        else:
            sentence = rng.choice(GENERAL)
        sentences.append(sentence)
        count += len(sentence.split())
    text = " ".join(sentences).split()
    return " ".join(text[:target]).rstrip(",;") + "."


def write_package(folder: Path, services: int = SERVICES, seed: int = 2026) -> None:
    """A synthetic HSDS 3.0 CSV package: organizations, locations, services, links, phones,
    languages, and Open Eligibility-style taxonomy terms linked by attributes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    org_count, location_count = max(1, services // 50), max(1, services // 25)
    cities = [
        (f"{name}{suffix}", f"9{index:04d}")
        for index, (name, suffix) in enumerate(
            (n, s) for n in CITY_NAMES for s in ("", " Heights", " Falls", " Park", " Junction")
        )
    ]

    def writer(name, columns):
        handle = open(folder / f"{name}.csv", "w", newline="", encoding="utf-8")
        out = csv.writer(handle)
        out.writerow(columns)
        return handle, out

    orgs = []
    handle, out = writer("organizations", ["id", "name", "description", "email", "website"])
    for index in range(org_count):
        name = f"{ORG_A[index % len(ORG_A)]} {ORG_B[(index // len(ORG_A)) % len(ORG_B)]}"
        if index >= len(ORG_A) * len(ORG_B):
            name += f" {index // (len(ORG_A) * len(ORG_B)) + 1}"
        orgs.append(name)
        out.writerow(
            [
                f"org-{index}",
                name,
                f"{name} is a fictional nonprofit.",
                f"info{index}@example.org",
                f"https://example.org/{index}",
            ]
        )
    handle.close()
    locations = []
    handle, out = writer("locations", ["id", "organization_id", "name", "location_type"])
    addresses, address_out = writer(
        "addresses",
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
    )
    for index in range(location_count):
        city, postal = cities[index % len(cities)]
        org = index % org_count
        locations.append((org, city))
        out.writerow([f"loc-{index}", f"org-{org}", f"{orgs[org]} {city} office", "physical"])
        address_out.writerow(
            [
                f"addr-{index}",
                f"loc-{index}",
                f"{rng.randint(1, 999)} Example Street",
                city,
                "RS",
                postal,
                "US",
                "physical",
            ]
        )
    handle.close()
    addresses.close()
    terms = {code: f"oe-{code}" for code in TERMS} | {code: f"oe-pop-{code}" for code in POPULATION_TERMS}
    handle, out = writer("taxonomy_terms", ["id", "code", "name", "taxonomy"])
    for code, label in TERMS.items():
        out.writerow([terms[code], "", label, "open_eligibility"])
    for code, label in POPULATION_TERMS.items():
        out.writerow([terms[code], "", label, "open_eligibility"])
    handle.close()
    files = {
        name: writer(name, columns)
        for name, columns in {
            "services": [
                "id",
                "organization_id",
                "name",
                "description",
                "status",
                "minimum_age",
                "maximum_age",
                "assured_date",
                "fees_description",
                "application_process",
            ],
            "service_at_location": ["id", "service_id", "location_id"],
            "phones": ["id", "service_id", "number", "type"],
            "languages": ["id", "service_id", "code"],
            "attributes": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity"],
        }.items()
    }
    domains = list(DOMAIN_WORDS)
    for index in range(services):
        location = rng.randrange(location_count)
        org, city = locations[location]
        chosen = [rng.choice(domains)] + ([rng.choice(domains)] if rng.random() < 0.3 else [])
        words = DOMAIN_WORDS[chosen[0]].split()
        name = f"{rng.choice(NAME_A)} {rng.choice(words).title()} {rng.choice(NAME_C)}"
        low, high = rng.choice([(None, None)] * 5 + [(18, None), (62, None), (12, 24), (None, 17), (16, 64)])
        verified = TODAY - timedelta(days=rng.randint(0, 800))
        service_id = f"svc-{index}"
        files["services"][1].writerow(
            [
                service_id,
                f"org-{org}",
                name,
                _description(rng, orgs[org], city, chosen),
                "active",
                "" if low is None else low,
                "" if high is None else high,
                verified.isoformat(),
                rng.choice(["Free", "Sliding scale", ""]),
                rng.choice(["Walk in.", "Call for an appointment.", ""]),
            ]
        )
        files["service_at_location"][1].writerow([f"sal-{index}", service_id, f"loc-{location}"])
        files["phones"][1].writerow(
            [f"phone-{index}", service_id, f"(555) 01{index % 100:02d}-{index % 10000:04d}", "voice"]
        )
        for number, code in enumerate(rng.choice(LANGUAGE_SETS)):
            files["languages"][1].writerow([f"lang-{index}-{number}", service_id, code])
        linked = [terms[d] for d in chosen]
        if rng.random() < 0.25:
            linked.append(terms[rng.choice(list(POPULATION_TERMS))])
        for number, term in enumerate(linked):
            files["attributes"][1].writerow([f"attr-{index}-{number}", service_id, term, "service", "service"])
    for handle, _ in files.values():
        handle.close()


def keystrokes() -> list[tuple[str, dict]]:
    plan = []
    for number, query in enumerate(QUERIES):
        for end in range(1, len(query) + 1):
            if query[end - 1] == " ":
                continue
            plan.append((query[:end], FILTER_SETS[(number + end) % len(FILTER_SETS)]))
    return plan


def measure_searches(db_file: str, runs: int) -> dict:
    """Run in a fresh process: open the directory, time every keystroke search, report peak RSS."""
    from casetui.data.directory import resources
    from casetui.data.storage.database import open_database

    database = open_database(db_file, worker="bench")
    profile = resources.ClientProfile(
        age=34,
        gender="woman",
        language="Spanish",
        populations=["family"],
        needs=["housing", "food"],
        city="Riverton",
        postal_code="90000",
    )
    timings, cpu = [], []
    hits = 0
    with database.transaction() as session:
        plan = keystrokes()
        for query, filters in plan:  # warm the page cache once, as a session of typing would
            resources.search(session, query, resources.SearchFilters(**filters), profile=profile, today=TODAY)
        for _ in range(runs):
            for query, filters in plan:
                start, start_cpu = time.perf_counter(), time.thread_time()
                found = resources.search(
                    session, query, resources.SearchFilters(**filters), profile=profile, today=TODAY
                )
                timings.append((time.perf_counter() - start) * 1000)
                cpu.append((time.thread_time() - start_cpu) * 1000)
                hits += len(found)
        start = time.perf_counter()
        suggested = resources.suggest_for_client(session, profile, today=TODAY)
        suggest_ms = (time.perf_counter() - start) * 1000
    database.dispose()
    timings.sort()
    cpu.sort()
    return {
        "search_p50_ms": round(statistics.median(timings), 2),
        "search_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "search_max_ms": round(timings[-1], 2),
        # CPU time of the searching thread: what the figures would be on an idle machine.
        "search_p50_cpu_ms": round(statistics.median(cpu), 2),
        "search_p95_cpu_ms": round(cpu[int(len(cpu) * 0.95) - 1], 2),
        "search_count": len(timings),
        "search_mean_hits": round(hits / len(timings), 1),
        "suggest_ms": round(suggest_ms, 1),
        "suggest_hits": len(suggested),
        "rss_mb": round(_peak_rss_kb() / 1024, 1),
    }


def _peak_rss_kb() -> int:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over from the parent across
    fork and exec, so a child started by a big parent would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(workdir: Path, args) -> dict:
    from casetui.data.directory import hsds
    from casetui.data.storage.database import open_database

    package = workdir / "hsds-100k"
    start = time.perf_counter()
    write_package(package)
    generate_s = time.perf_counter() - start
    db_file = str(workdir / "directory.db")
    database = open_database(db_file, worker="bench")
    start, start_cpu = time.perf_counter(), time.process_time()
    with database.transaction() as session:
        report = hsds.import_package(session, package, TODAY)
    import_s, import_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    database.dispose()
    assert report.created["services"] == SERVICES, report.summary()
    runs = max(1, min(getattr(args, "runs", 3) or 3, 5))
    child = subprocess.run(
        [sys.executable, __file__, "--measure", db_file, str(runs)], capture_output=True, text=True, check=True
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    return {
        "import_100k_s": round(import_s, 1),
        "import_100k_cpu_s": round(import_cpu_s, 1),
        "import_rss_mb": round(_peak_rss_kb() / 1024, 1),
        "generate_100k_s": round(generate_s, 1),
        "directory_db_mb": round(Path(db_file).stat().st_size / 1e6, 1),
        **figures,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure_searches(sys.argv[2], int(sys.argv[3]))))
    else:
        import argparse
        import tempfile

        parser = argparse.ArgumentParser(description=__doc__)
        parser.add_argument("--runs", type=int, default=3)
        with tempfile.TemporaryDirectory(prefix="casetui-bench-search-") as folder:
            print(json.dumps(run(Path(folder), parser.parse_args())))
