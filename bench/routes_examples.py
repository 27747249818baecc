"""Ten real occupation changes and the routes Routeways answers for them, written for people to
read: docs/routes/examples.md, with a timeline PNG of each example's best route.

Data: the same cache as bench/routes_search.py (`route_catalogue`): the REAL ESCO / Nesta /
O*NET / UK LMI taxonomy and postcode districts, a GENERATED catalogue of courses. The examples
are chosen from the data by the rules below, in code, so a new taxonomy or catalogue gives a
new set by the same rules:

1. Origins come from `ORIGINS`, common jobs of adults who change career (ESCO codes), in order;
   each origin is used once, and so is each target.
2. Targets are the origin's viable career changes (`career_changes.career_changes`: ESCO skill
   overlap >= 0.3, job zone at most one away and earnings at least 75% of the origin's, where
   Nesta has the figures), ranked as the service ranks them for a learner in the example's
   district, kept when at least one of the two checks could be made, the target is in another
   ISCO unit group (a real change, not a specialism of the same job) and, where both earnings
   are known, it pays at least `MIN_EARNINGS_RATIO` of the current job. The first
   `CANDIDATES` are tried.
3. Each example's learner (`example_learner`) works in the origin and holds its essential
   skills, at its typical entry level (at most 4), in a district of `DISTRICTS` (one each, in
   turn), aged 24+ (every third 19-23), able to travel 30 km and give 16 hours a week (every
   fourth with a £500 budget). Their routes are planned as the routes endpoint plans them
   (`route_planning.plan_routes` with three routes and the service's default limits and
   weights, then `route_answers.routes_body`).
4. Among an origin's candidates with at least one route, the first whose best route switches
   between academic and technical study is taken while fewer than `WANT_SWITCHES` examples
   have one; otherwise the best-ranked one with routes.

    .venv/bin/python bench/routes_examples.py [--courses 50000 --learners 1000 --seed 7]

Holds /tmp/routeways-bench.lock while it runs (--no-lock to skip). Writes
docs/routes/examples.md and docs/routes/example-NN.png (or --output-dir).
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as the others do

import argparse
import re
import shlex
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import route_catalogue as catalogue
import synthetic
from sqlalchemy.orm import Session

from services.recommender import occupations, read_model, route_answers, route_planning, serving
from services.recommender.career_changes import CareerChange, career_changes
from services.recommender.funding import money
from services.recommender.model_store import ModelStore
from services.recommender.models import CourseView
from services.recommender.route_search import DEFAULT_WEIGHTS, SearchLimits
from services.recommender.routes import DAYS_PER_MONTH
from services.recommender.settings import RecommenderSettings
from shared.db import Database

ROOT = Path(__file__).resolve().parents[1]
OUTPUT_DIR = ROOT / "docs" / "routes"
EXAMPLES = 10
CANDIDATES = 8
MIN_EARNINGS_RATIO = 0.9
WANT_SWITCHES = 4
FIRST_LEARNER_ID = 900_001
SETTINGS = RecommenderSettings()
LIMITS = replace(
    SearchLimits(),
    routes=3,
    min_share=SETTINGS.route_min_skill_share,
    max_steps=SETTINGS.route_max_steps,
)
#: The same search held to routes of one course, to check the answers against.
ONE_COURSE = replace(LIMITS, max_steps=1, routes=1)
#: Common jobs of adults who change career, by ESCO code, in the order they are tried.
ORIGINS = (
    "5223.4",  # sales assistant
    "5322.1",  # home care aide
    "9333.8",  # warehouse worker
    "5321.1",  # healthcare assistant
    "5244.1",  # call centre agent
    "9412.1",  # kitchen assistant
    "5414.1",  # security guard
    "8331.1",  # bus driver
    "5131.2",  # waiter/waitress
    "4226.1",  # receptionist
    "4110.1",  # office clerk
    "4225.1",  # customer service representative
    "5312.2",  # primary school teaching assistant
    "5329.1",  # hospital porter
    "9313.1",  # building construction worker
    "8212.2",  # electrical equipment assembler
    "9111.1",  # domestic cleaner
    "5141.1",  # hairdresser
    "5132.1",  # bartender
    "5230.1",  # cashier
    "8322.7",  # taxi driver
    "9329.1",  # factory hand
    "5223.6",  # shop assistant
    "9621.2",  # hotel porter
)
#: Where the examples' learners live: real postcode districts, one per example in turn.
DISTRICTS = (
    ("PR1", "Preston"), ("BB1", "Blackburn"), ("FY1", "Blackpool"), ("LA1", "Lancaster"),
    ("BB11", "Burnley"), ("WN8", "Skelmersdale"), ("PR7", "Chorley"), ("BB5", "Accrington"),
    ("FY8", "Lytham St Annes"), ("LA4", "Morecambe"),
)  # fmt: skip
KIND_COLOURS = {"academic": "#3b6ea8", "technical": "#d9822b", "both": "#7a7a7a"}


@dataclass(frozen=True)
class CourseSkills:
    """The skill keys a course teaches and the ones it asks for on entry."""

    teaches: frozenset[str]
    asks: frozenset[str]


@dataclass(frozen=True)
class Example:
    """One chosen change: the learner, the move as judged, and the routes answer."""

    number: int
    learner_id: int
    attributes: dict[str, Any]
    place: str
    origin: occupations.Occupation
    target: occupations.Occupation
    change: CareerChange
    body: dict[str, Any]
    #: The best route the same search finds with at most one course (None: none).
    one_course: dict[str, Any] | None = None
    #: Skill keys each step's course teaches and asks for on entry, by course id.
    skills: dict[int, CourseSkills] = field(default_factory=dict)

    @property
    def best(self) -> dict[str, Any]:
        return self.body["routes"][0]

    @property
    def image(self) -> str:
        return f"example-{self.number:02d}.png"

    def idle(self, route: dict[str, Any], position: int) -> bool:
        """Whether step `position` of `route` does nothing for it: it adds no essential skill
        of the target, gives no level, and no later step asks for a skill it teaches."""
        step = route["steps"][position]
        if step["skills_added"] or any(r.startswith("gives you level") for r in step["reasons"]):
            return False
        teaches = self.skills[step["course_id"]].teaches
        later = route["steps"][position + 1 :]
        return not any(self.skills[s["course_id"]].asks & teaches for s in later)

    def idle_steps(self) -> tuple[int, int]:
        """(idle steps, steps) over every route answered."""
        flags = [
            self.idle(route, i) for route in self.body["routes"] for i in range(len(route["steps"]))
        ]
        return sum(flags), len(flags)


# --- choosing the examples ----------------------------------------------------------------------


def example_learner(number: int, origin: occupations.Occupation) -> dict[str, Any]:
    """The learner attributes of example `number` (see the module, rule 3)."""
    district, _ = DISTRICTS[(number - 1) % len(DISTRICTS)]
    constraints: dict[str, Any] = {"max_travel_km": 30, "hours_per_week": 16}
    if number % 4 == 0:
        constraints["budget_pence"] = 50_000
    return {
        "rqf_level": min(origin.typical_entry_level or 2, 4),
        "age_band": "19-23" if number % 3 == 0 else "24+",
        "occupation_code": origin.code,
        "postcode_district": district,
        "goals": {"occupations": [], "sectors": [], "not_sure": False},
        "skills": [{"skill": s.label} for s in origin.essential_skills],
        "route_preference": "either",
        "constraints": constraints,
    }


def candidates(
    session: Session, origin: occupations.Occupation, district: str, used: set[str]
) -> list[CareerChange]:
    """The origin's viable changes that read as a real move up (see the module, rule 2)."""
    centroid = read_model.district_centroid(session, district)
    area = occupations.area_of(session, *centroid) if centroid else None
    held = {occupations.skill_key(s.label) for s in origin.essential_skills}
    moves = occupations.transitions_from(session, origin.code)
    destinations = occupations.occupations(session, {m.code for m in moves})
    changes = career_changes(
        origin, moves, destinations,
        lambda code: occupations.demand_share(session, code, area), held, 50,
    )  # fmt: skip
    kept = []
    for change in changes:
        target = occupations.occupation(session, change.code)
        if (
            target is not None
            and change.code not in used
            and target.isco_group != origin.isco_group
            and change.checks
            and (change.earnings_ratio is None or change.earnings_ratio >= MIN_EARNINGS_RATIO)
        ):
            kept.append(change)
    return kept[:CANDIDATES]


def plan(
    session: Session,
    recommender: serving.Recommender,
    learner_id: int,
    code: str,
    today: date,
    limits: SearchLimits = LIMITS,
) -> dict[str, Any]:
    """The routes endpoint's answer for the learner and target, minus HTTP."""
    snapshot = recommender.snapshot(session)
    planned = route_planning.plan_routes(
        session, snapshot, learner_id, code, today, SETTINGS.start_horizon_days,
        DEFAULT_WEIGHTS, limits,
    )  # fmt: skip
    return route_answers.routes_body(session, planned)


def course_skills(session: Session, body: dict[str, Any]) -> dict[int, CourseSkills]:
    """The skill keys each step's course teaches and asks for, by course id (read model)."""
    ids = {step["course_id"] for route in body["routes"] for step in route["steps"]}
    found = {}
    for course_id in ids:
        view = session.get(CourseView, course_id)
        wanted = (view.entry_requirements or {}).get("skills") or []
        found[course_id] = CourseSkills(
            frozenset(occupations.skill_key(s) for s in view.skills or []),
            frozenset(occupations.skill_key(s) for s in wanted),
        )
    return found


@dataclass(frozen=True)
class Skipped:
    """An origin tried without an example, and why."""

    origin: occupations.Occupation
    why: str


def choose(database: Database, today: date) -> tuple[list[Example], list[Skipped]]:
    """Up to EXAMPLES examples by the module's rules, and the origins tried without one."""
    recommender = serving.Recommender(ModelStore(Path(tempfile.mkdtemp(prefix="routeways-"))))
    chosen: list[Example] = []
    skipped: list[Skipped] = []
    used: set[str] = set()
    for code in ORIGINS:
        if len(chosen) == EXAMPLES:
            break
        with database.session_scope() as session:
            number = len(chosen) + 1
            found = _example_for(session, recommender, code, number, today, used, chosen)
        if isinstance(found, Skipped):
            skipped.append(found)
            print(f"    {found.origin.title}: {found.why}")
            continue
        chosen.append(found)
        used.add(found.target.code)
        print(f"{found.number:>2}. {found.origin.title} -> {found.target.title}")
    return chosen, skipped


def _example_for(
    session: Session,
    recommender: serving.Recommender,
    code: str,
    number: int,
    today: date,
    used: set[str],
    chosen: list[Example],
) -> Example | Skipped:
    """The example of origin `code` (rule 4), or why there is none."""
    origin = occupations.occupation(session, code)
    if origin is None:
        raise LookupError(f"ESCO has no occupation {code}: update ORIGINS")
    learner_id = FIRST_LEARNER_ID + number - 1
    attributes = example_learner(number, origin)
    read_model.record_learner(session, learner_id, attributes)
    tried = candidates(session, origin, attributes["postcode_district"], used)
    found = []
    for change in tried:
        body = plan(session, recommender, learner_id, change.code, today)
        if body["routes"]:
            found.append((change, body))
    if not found:
        return Skipped(origin, _why_skipped(tried))
    want_switch = sum(bool(e.best["switches"]) for e in chosen) < WANT_SWITCHES
    change, body = next(
        ((c, b) for c, b in found if b["routes"][0]["switches"] and want_switch), found[0]
    )
    goals = {**attributes["goals"], "occupations": [change.code]}
    read_model.record_learner(session, learner_id, {"goals": goals})
    place = dict(DISTRICTS)[attributes["postcode_district"]]
    target = occupations.occupation(session, change.code)
    alone = plan(session, recommender, learner_id, change.code, today, ONE_COURSE)["routes"]
    one_course = alone[0] if alone else None
    skills = course_skills(session, body)
    return Example(number, learner_id, {**attributes, "goals": goals}, place, origin, target,
                   change, body, one_course, skills)  # fmt: skip


def _why_skipped(tried: list[CareerChange]) -> str:
    if not tried:
        return "no viable change into another ISCO unit group passes the rules"
    names = ", ".join(change.title for change in tried)
    return f"no route answered to any of the {len(tried)} changes tried ({names})"


# --- the timeline -------------------------------------------------------------------------------


def timeline(example: Example, today: date, path: Path) -> None:
    """The best route's steps as bars over months from the reference day, each labelled with
    its course and dates; steps that add nothing to the route are hatched."""
    route = example.best
    steps = route["steps"]
    fig, axis = plt.subplots(figsize=(10, 1.4 + 0.8 * len(steps)), dpi=100)
    last = max((step["end"] - today).days for step in steps) / DAYS_PER_MONTH
    for row, step in enumerate(steps):
        start = (step["start"] - today).days / DAYS_PER_MONTH
        months = (step["end"] - step["start"]).days / DAYS_PER_MONTH
        idle = example.idle(route, row)
        axis.barh(
            row, months, left=start, height=0.5, color=KIND_COLOURS.get(step["route_kind"]),
            hatch="///" if idle else None, alpha=0.45 if idle else 1.0,
        )  # fmt: skip
        label = f"{_short(step['title'], 72)}, {_day(step['start'])} to {_day(step['end'])}"
        label += " (adds nothing)" if idle else ""
        right = start > last / 2
        axis.text(
            start + months if right else start, row - 0.32, label, fontsize=8,
            ha="right" if right else "left", va="bottom",
        )  # fmt: skip
    axis.set_yticks(range(len(steps)), [f"step {i}" for i in range(1, len(steps) + 1)])
    axis.set_ylim(len(steps) - 0.5, -0.9)
    axis.set_xlim(0, last * 1.02)
    axis.set_xlabel(f"months from {_day(today)}")
    axis.grid(axis="x", alpha=0.3)
    axis.set_title(
        f"{example.origin.title} to {example.target.title}: the best route", loc="left",
        fontsize=10,
    )  # fmt: skip
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in KIND_COLOURS.values()]
    fig.legend(handles, list(KIND_COLOURS), fontsize=8, loc="upper right", ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _short(text: str, width: int) -> str:
    return textwrap.shorten(text, width=width, placeholder="...")


# --- the document -------------------------------------------------------------------------------


def document(
    examples: list[Example], skipped: list[Skipped], data: catalogue.RouteData, command: str
) -> str:
    lines = _intro(data, command, len(examples)) + _care(examples) + _contents(examples)
    for example in examples:
        lines += _section(example)
    lines += _left_out(skipped)
    return "\n".join(lines).rstrip() + "\n"


def _left_out(skipped: list[Skipped]) -> list[str]:
    if not skipped:
        return []
    lines = [
        "## Origins tried and left out",
        "",
        "The rules tried these jobs before the ten above were found (in `ORIGINS` order):",
        "",
    ]
    for entry in skipped:
        lines.append(f"- **{entry.origin.title}** (ESCO {entry.origin.code}): {entry.why}.")
    return [*lines, ""]


def _intro(data: catalogue.RouteData, command: str, count: int) -> list[str]:
    courses = data.meta["courses"]
    return [
        "# Example routes for ten real occupation changes",
        "",
        f"Regenerate with `{command}` (from the repository root; it builds the cached data on "
        "first use, in a couple of minutes).",
        "",
        "**What is real and what is not.** The occupations, their essential skills, the moves "
        "between them and the labour-market figures are real open data: ESCO v1.1.1 occupations "
        "and skills (this uses the ESCO classification of the European Commission), Nesta's "
        "Mapping Career Causeways job zones, earnings and automation risk, O*NET related "
        'occupations, UK "Where the Work Is" demand by LEP area (Burning Glass Technologies and '
        "IPPR), and postcode district centroids (contains OS data © Crown copyright and database "
        f"right). The **course catalogue is GENERATED**: {courses['courses']:,} made-up courses "
        f"from {courses['providers']} made-up providers (`bench/route_catalogue.py`), each "
        "leading to a real ESCO occupation and teaching 2-6 of its real essential skills, with "
        "invented titles, dates, fees and campuses at real Lancashire postcode districts. The "
        "learners are made up too. So the routes show how Routeways reasons, not courses anyone "
        "can enrol on.",
        "",
        f"**How they were made.** Dates are counted from {_day(data.today)}, the day the "
        f"catalogue was generated for. Each of the {count} changes below is a viable career "
        "change out of a common job (ESCO skill overlap of at least 0.3, and Nesta's job zone "
        "and earnings checks passed where Nesta has the figures), into another ISCO unit group, "
        "chosen by the rules in "
        "`bench/routes_examples.py`. Each learner works in the first occupation and holds its "
        "essential skills; the routes are what `GET /learners/{id}/routes` answers for them "
        f"(`route_planning.plan_routes` + `route_answers.routes_body`): at most "
        f"{LIMITS.routes} routes of at most {LIMITS.max_steps} courses, each covering at least "
        f"{LIMITS.min_share:.0%} of the target's essential skills and reaching its typical "
        "entry level, ranked by the default weights (skills, time, cost, travel, learners like "
        "you, demand). Costs are what the learner pays up front after the funding they are "
        "eligible for (`services/recommender/funding.py`); loans are shown apart.",
        "",
    ]


def _care(examples: list[Example]) -> list[str]:
    """What a reader should know about these answers before trusting them, counted here."""
    idle = [e.idle_steps() for e in examples]
    flagged, steps = sum(i for i, _ in idle), sum(n for _, n in idle)
    gaps = [e.one_course["score"] - e.best["score"] for e in examples if e.one_course]
    better, tied = sum(g > 1e-9 for g in gaps), sum(abs(g) <= 1e-9 for g in gaps)
    exact = sum(bool(e.body["search"]["exact"]) for e in examples)
    kept = [e.body["search"]["candidates"] for e in examples]
    lines = [
        "**Read with care.** These are the service's answers as the code stands, shown "
        f"unedited. {exact} of the {len(examples)} searches are exact (`search.exact`); the "
        f"others searched only the best {min(kept)}-{max(kept)} candidate courses of the "
        "thousands that could matter, within a budget of placements "
        "(`services/recommender/route_search.py`, docs/route-search.md), so a better route "
        "may exist among the courses set aside. Every one-course route among the candidates "
        "is looked at before any longer one, so "
    ]
    if better:
        lines[-1] += (
            f"yet in {better} of the {len(examples)} examples the same search held to ONE "
            "course finds a better-scoring route than the answer's best (each example says "
            "which under its routes): reported as a search issue, not hidden here. "
        )
    else:
        tie = f"; in {tied} one course alone scores exactly as much as the best" if tied else ""
        lines[-1] += (
            "no example's answer is beaten by a route of one course (the check under each "
            f"example{tie}). "
        )
    if flagged:
        lines[-1] += (
            f"{flagged} of the {steps} steps shown add nothing to their route (none of the "
            "target's essential skills, no level, nothing a later step asks for); the table's "
            "*adds* column marks them: a route's score does not count its steps, so a free "
            "course that ends before the last step costs it nothing."
        )
    else:
        lines[-1] += f"Every one of the {steps} steps shown adds something to its route."
    return [*lines, ""]


def _heading(example: Example) -> str:
    return f"{example.number}. {example.origin.title} to {example.target.title}"


def _contents(examples: list[Example]) -> list[str]:
    """Links to each example's heading (GitHub's anchors: lower case, punctuation dropped)."""
    lines = []
    for example in examples:
        heading = _heading(example)
        anchor = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        lines.append(f"- [{heading}](#{anchor})")
    return [*lines, ""]


def _section(example: Example) -> list[str]:
    body = example.body
    lines = [
        f"## {_heading(example)}",
        "",
        *_starting_point(example),
        *_target(example),
        f"![Timeline of the best route]({example.image})",
        "",
    ]
    for rank, route in enumerate(body["routes"], start=1):
        lines += _route(example, rank, route)
    return lines + _one_course_check(example)


def _one_course_check(example: Example) -> list[str]:
    """The answer set beside the best route of one course the same search finds alone."""
    alone, best = example.one_course, example.best
    if alone is None:
        return ["*Checked apart:* the same search held to one course finds no route.", ""]
    step = alone["steps"][0]
    if alone["score"] > best["score"] + 1e-9:
        verdict = "a better score than"
    elif alone["score"] > best["score"] - 1e-9:
        verdict = "the same score as"
    else:
        verdict = "a lower score than"
    return [
        f"*Checked apart:* held to one course, the same search finds **{step['title']}** alone "
        f"(score {alone['score']:.3f}, {alone['totals']['months']:g} months, "
        f"{alone['totals']['skills_after']} of {alone['totals']['skills_total']} essential "
        f"skills): {verdict} route 1 above (score {best['score']:.3f}, "
        f"{best['totals']['months']:g} months).",
        "",
    ]


def _starting_point(example: Example) -> list[str]:
    a = example.attributes
    constraints = a["constraints"]
    budget = constraints.get("budget_pence")
    money_limit = f"a budget of {money(budget)}" if budget is not None else "no budget limit"
    return [
        f"**Starting point.** A learner aged {a['age_band']} working as **{example.origin.title}** "
        f"(ESCO {example.origin.code}), at RQF level {a['rqf_level']}, living in "
        f"{a['postcode_district']} ({example.place}), holding the {len(a['skills'])} essential "
        f"skills of their job; they can travel {constraints['max_travel_km']} km, give "
        f"{constraints['hours_per_week']} hours a week, and have {money_limit}.",
        "",
    ]


def _target(example: Example) -> list[str]:
    target, change, body = example.target, example.change, example.body["target"]
    held = {occupations.skill_key(s["skill"]) for s in example.attributes["skills"]}
    taught = {label for step in example.best["steps"] for label in step["skills_added"]}
    skills = [
        label
        + (" (held)" if occupations.skill_key(label) in held else "")
        + (" (best route)" if label in taught else "")
        for label in body["essential_skills"]
    ]
    area = (body["area"] or "the area").title()
    return [
        f"**Target.** **{target.title}** (ESCO {target.code}): typical entry level "
        f"{target.typical_entry_level}, {_zone_and_pay(target, change)}, demand rank in {area} "
        f"{body['demand']:.2f}. Skill overlap with the current job {change.similarity:.2f} "
        f"(checks made: {', '.join(change.checks)}); the learner lacks "
        f"{len(change.missing_skills)} of its {change.essential_skills} essential skills.",
        "",
        f"Essential skills ({len(skills)}; *held*: the learner has it now; *best route*: the "
        "best route teaches it): " + "; ".join(skills) + ".",
        "",
    ]


def _zone_and_pay(target: occupations.Occupation, change: CareerChange) -> str:
    zone = "job zone not known" if target.job_zone is None else f"job zone {target.job_zone}"
    if not target.annual_earnings_gbp:
        return f"{zone}, earnings not known"
    pay = f"{zone}, earnings £{target.annual_earnings_gbp:,.0f} a year"
    if change.earnings_ratio:
        pay += f" ({change.earnings_ratio:.2f} times the current job's)"
    return pay


def _route(example: Example, rank: int, route: dict[str, Any]) -> list[str]:
    lines = [
        f"### Route {rank} (score {route['score']:.3f})",
        "",
        route["summary"],
        "",
        "| # | course | level | type | route | starts | weeks | you pay | where | adds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, step in enumerate(route["steps"], start=1):
        lines.append(
            f"| {number} | {_cell(step['title'])} | {step['rqf_level']} | "
            f"{step['qualification_type']} | {step['route_kind']} | {_day(step['start'])} | "
            f"{step['duration_weeks']} | {_paid(step)} | {_where(step)} | "
            f"{_adds(example, route, number - 1)} |"
        )
    lines += ["", *_totals(route), "", "Why each step:", ""]
    for number, step in enumerate(route["steps"], start=1):
        lines.append(f"{number}. {'; '.join(step['reasons'])}.")
    if route["switches"]:
        lines += ["", "Switches: " + "; ".join(s["description"] for s in route["switches"]) + "."]
    lines.append("")
    return lines


def _totals(route: dict[str, Any]) -> list[str]:
    t = route["totals"]
    hours = "not stated" if t["hours_per_week"] is None else f"{t['hours_per_week']:g}"
    travel = "online only" if t["travel_km"] is None else f"{t['travel_km']:g} km"
    missing = "; ".join(t["missing_skills"]) or "none"
    return [
        f"Totals: {t['months']:g} months, {money(t['cost_pence'])} up front, "
        f"{money(t['loan_pence'])} by loan, at most {hours} hours a week, farthest campus "
        f"{travel}; essential skills {t['skills_before']} -> {t['skills_after']} of "
        f"{t['skills_total']}. Still missing: {missing}.",
    ]


def _adds(example: Example, route: dict[str, Any], position: int) -> str:
    """What the step brings to the route: essential skills, a level, or nothing (flagged)."""
    if example.idle(route, position):
        return "**nothing** (see the note at the top)"
    step = route["steps"][position]
    parts = []
    if step["skills_added"]:
        count = len(step["skills_added"])
        parts.append(f"{count} essential skill{'s' if count > 1 else ''}")
    if any(r.startswith("gives you level") for r in step["reasons"]):
        parts.append(f"level {step['rqf_level']}")
    return ", ".join(parts) or "a skill a later step asks for"


def _paid(step: dict[str, Any]) -> str:
    if step["loan_pence"]:
        return f"£0 up front ({money(step['loan_pence'])} loan)"
    if step["pays_pence"] == 0:
        return f"£0 ({_cell(step['funding'])})"
    return money(step["pays_pence"])


def _where(step: dict[str, Any]) -> str:
    if step["distance_km"] is not None:
        return f"{step['distance_km']:g} km, {step['delivery_mode']}"
    return step["delivery_mode"] or "anywhere"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    catalogue.add_arguments(parser)
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args()
    command = shlex.join([".venv/bin/python", "bench/routes_examples.py", *sys.argv[1:]])
    with synthetic.exclusive(not args.no_lock):
        data = catalogue.ensure(catalogue.sizes_of(args), args.data)
        with tempfile.TemporaryDirectory(prefix="routeways-examples-") as folder:
            url = catalogue.copy_database(data, Path(folder) / "recommender.sqlite3")
            with Database(url) as database:
                examples, skipped = choose(database, data.today)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for example in examples:
        timeline(example, data.today, args.output_dir / example.image)
    (args.output_dir / "examples.md").write_text(document(examples, skipped, data, command))
    print(f"wrote {args.output_dir / 'examples.md'} and {len(examples)} timelines")


if __name__ == "__main__":
    main()
