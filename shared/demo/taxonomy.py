"""Sectors, occupations and subjects the demo catalogue is built from.

Occupation codes follow the shape of the UK Standard Occupational Classification 2020 (4-digit
unit groups); the titles are the unit groups' names as near as a small fixed list allows. They are
demo reference data, not an import of SOC itself.
"""

from __future__ import annotations

from typing import NamedTuple

DIGITAL = "Digital"
ENGINEERING = "Engineering and manufacturing"
HEALTH = "Health and science"
CONSTRUCTION = "Construction"
BUSINESS = "Business and administration"
EDUCATION = "Education and childcare"
AGRICULTURE = "Agriculture, environmental and animal care"
CREATIVE = "Creative and design"

SECTORS: tuple[str, ...] = (
    DIGITAL,
    ENGINEERING,
    HEALTH,
    CONSTRUCTION,
    BUSINESS,
    EDUCATION,
    AGRICULTURE,
    CREATIVE,
)

NO_OCCUPATION = ""
"""``DemoLearner.occupation_code`` of a school-leaver, who has no current occupation."""

OCCUPATIONS: dict[str, str] = {
    # Where learners are now.
    "7111": "Sales and retail assistants",
    "6135": "Care workers and home carers",
    "6136": "Senior care workers",
    "9252": "Warehouse operatives",
    "8214": "Delivery drivers and couriers",
    "8139": "Assemblers and routine operatives n.e.c.",
    "4159": "Other administrative occupations n.e.c.",
    "9264": "Waiters and waitresses",
    "5434": "Chefs",
    # Where they are heading (and what the courses lead to).
    "2134": "Programmers and software development professionals",
    "2135": "Cyber security professionals",
    "3544": "Data analysts",
    "3131": "IT operations technicians",
    "3132": "IT user support technicians",
    "3113": "Engineering technicians",
    "3112": "Electrical and electronics technicians",
    "2122": "Mechanical engineers",
    "5223": "Metal working production and maintenance fitters",
    "5213": "Welding trades",
    "6131": "Nursing auxiliaries and assistants",
    "2237": "Other registered nursing professionals",
    "3111": "Laboratory technicians",
    "5241": "Electricians and electrical fitters",
    "5314": "Plumbers and heating and ventilating installers and repairers",
    "5316": "Carpenters and joiners",
    "3114": "Building and civil engineering technicians",
    "4122": "Book-keepers, payroll managers and wages clerks",
    "3571": "Human resources and industrial relations officers",
    "3554": "Marketing associate professionals",
    "6111": "Early education and childcare assistants",
    "6112": "Teaching assistants",
    "2314": "Secondary education teaching professionals",
    "5111": "Farmers",
    "6129": "Animal care services occupations n.e.c.",
    "2142": "Graphic and multimedia designers",
}

OCCUPATION_SECTORS: dict[str, str] = {
    "2134": DIGITAL,
    "2135": DIGITAL,
    "3544": DIGITAL,
    "3131": DIGITAL,
    "3132": DIGITAL,
    "3113": ENGINEERING,
    "3112": ENGINEERING,
    "2122": ENGINEERING,
    "5223": ENGINEERING,
    "5213": ENGINEERING,
    "6131": HEALTH,
    "2237": HEALTH,
    "3111": HEALTH,
    "6136": HEALTH,
    "5241": CONSTRUCTION,
    "5314": CONSTRUCTION,
    "5316": CONSTRUCTION,
    "3114": CONSTRUCTION,
    "4122": BUSINESS,
    "3571": BUSINESS,
    "4159": BUSINESS,
    "3554": BUSINESS,
    "6111": EDUCATION,
    "6112": EDUCATION,
    "2314": EDUCATION,
    "5111": AGRICULTURE,
    "6129": AGRICULTURE,
    "2142": CREATIVE,
}
"""The sector whose courses lead to each goal occupation (current-only jobs are absent)."""


class Subject(NamedTuple):
    """A subject a provider can teach at several levels and in several qualification types."""

    name: str
    skills: tuple[str, ...]
    occupations: tuple[str, ...]
    levels: tuple[int, int] = (1, 6)
    degree: str = "BSc"
    only: tuple[str, ...] = ()  # the qualification types it is taught in, when not all of them


SUBJECTS: dict[str, tuple[Subject, ...]] = {
    DIGITAL: (
        Subject(
            "Software Development",
            ("python", "javascript", "software testing", "version control", "agile delivery"),
            ("2134",),
            (3, 6),
        ),
        Subject(
            "Cyber Security",
            (
                "network security",
                "incident response",
                "risk assessment",
                "linux",
                "ethical hacking",
            ),
            ("2135", "3131"),
            (3, 6),
        ),
        Subject(
            "Data Analytics",
            ("sql", "data visualisation", "statistics", "spreadsheets", "python"),
            ("3544",),
            (2, 6),
        ),
        Subject(
            "Network Engineering",
            ("routing and switching", "cloud infrastructure", "linux", "troubleshooting"),
            ("3131",),
            (3, 5),
        ),
        Subject(
            "IT Support",
            ("troubleshooting", "customer service", "hardware", "windows administration"),
            ("3132",),
            (1, 4),
        ),
    ),
    ENGINEERING: (
        Subject(
            "Mechatronics",
            (
                "plc programming",
                "electronics",
                "pneumatics and hydraulics",
                "preventive maintenance",
            ),
            ("3113", "5223"),
            (2, 6),
            "BEng",
        ),
        Subject(
            "Aerospace Engineering",
            ("composites", "aircraft structures", "cad", "quality assurance"),
            ("2122", "3113"),
            (3, 6),
            "BEng",
        ),
        Subject(
            "Advanced Manufacturing",
            ("lean manufacturing", "cnc machining", "quality assurance", "health and safety"),
            ("3113", "8139"),
            (2, 5),
            "BEng",
        ),
        Subject(
            "Welding and Fabrication",
            ("mig welding", "tig welding", "fabrication", "technical drawing"),
            ("5213",),
            (1, 3),
        ),
        Subject(
            "Electrical and Electronic Engineering",
            ("circuit analysis", "electronics", "fault finding", "cad"),
            ("3112", "2122"),
            (2, 6),
            "BEng",
        ),
        Subject(
            "Maintenance Engineering",
            (
                "fault finding",
                "preventive maintenance",
                "pneumatics and hydraulics",
                "health and safety",
            ),
            ("5223", "3113"),
            (2, 5),
            "BEng",
        ),
    ),
    HEALTH: (
        Subject(
            "Nursing Associate",
            (
                "patient care",
                "clinical observations",
                "medication administration",
                "infection control",
            ),
            ("6131",),
            (5, 5),
            only=("Foundation degree", "Apprenticeship"),
        ),
        Subject(
            "Adult Nursing",
            ("patient care", "clinical observations", "care planning", "medication administration"),
            ("2237",),
            (6, 6),
            only=("Bachelor's degree", "Apprenticeship"),
        ),
        Subject(
            "Healthcare Science",
            ("laboratory skills", "phlebotomy", "infection control", "data recording"),
            ("3111",),
            (3, 6),
        ),
        Subject(
            "Health and Social Care",
            ("safeguarding", "person-centred care", "communication", "infection control"),
            ("6136", "6131"),
            (1, 5),
            "BA",
        ),
        Subject(
            "Applied Science",
            ("laboratory skills", "chemistry", "biology", "data recording"),
            ("3111",),
            (2, 6),
        ),
    ),
    CONSTRUCTION: (
        Subject(
            "Electrical Installation",
            ("wiring regulations", "inspection and testing", "fault finding", "health and safety"),
            ("5241",),
            (1, 3),
        ),
        Subject(
            "Plumbing and Heating",
            ("pipework", "heating systems", "heat pumps", "health and safety"),
            ("5314",),
            (1, 3),
        ),
        Subject(
            "Carpentry and Joinery",
            ("site carpentry", "bench joinery", "technical drawing", "health and safety"),
            ("5316",),
            (1, 3),
        ),
        Subject(
            "Civil Engineering",
            ("surveying", "cad", "construction materials", "project planning"),
            ("3114",),
            (3, 6),
            "BEng",
        ),
        Subject(
            "Retrofit and Energy Efficiency",
            ("retrofit assessment", "heat pumps", "insulation", "building regulations"),
            ("3114", "5314"),
            (2, 5),
        ),
    ),
    BUSINESS: (
        Subject(
            "Business Administration",
            ("office software", "customer service", "record keeping", "communication"),
            ("4159",),
            (1, 4),
            "BA",
        ),
        Subject(
            "Accounting and Finance",
            ("bookkeeping", "payroll", "spreadsheets", "financial reporting"),
            ("4122",),
            (2, 6),
            "BA",
        ),
        Subject(
            "Human Resource Management",
            ("employment law", "recruitment", "people management", "communication"),
            ("3571",),
            (3, 6),
            "BA",
        ),
        Subject(
            "Digital Marketing",
            ("social media", "content writing", "web analytics", "search engine optimisation"),
            ("3554",),
            (2, 6),
            "BA",
        ),
        Subject(
            "Project Management",
            ("project planning", "risk assessment", "stakeholder management", "agile delivery"),
            ("4159", "3571"),
            (3, 6),
            "BA",
        ),
    ),
    EDUCATION: (
        Subject(
            "Early Years Education",
            ("child development", "safeguarding", "play-based learning", "communication"),
            ("6111",),
            (2, 6),
            "BA",
        ),
        Subject(
            "Supporting Teaching and Learning",
            ("classroom support", "safeguarding", "special educational needs", "communication"),
            ("6112",),
            (2, 3),
        ),
        Subject(
            "Education and Training",
            ("lesson planning", "assessment", "inclusive practice", "safeguarding"),
            ("2314", "6112"),
            (3, 6),
            "BA",
        ),
    ),
    AGRICULTURE: (
        Subject(
            "Agriculture",
            ("crop production", "livestock husbandry", "farm machinery", "health and safety"),
            ("5111",),
            (1, 6),
        ),
        Subject(
            "Animal Management",
            ("animal welfare", "animal handling", "animal health", "record keeping"),
            ("6129",),
            (1, 6),
        ),
        Subject(
            "Countryside and Environmental Management",
            ("habitat management", "environmental surveying", "conservation", "health and safety"),
            ("5111",),
            (2, 6),
        ),
    ),
    CREATIVE: (
        Subject(
            "Graphic Design",
            ("adobe creative suite", "typography", "visual communication", "branding"),
            ("2142",),
            (2, 6),
            "BA",
        ),
        Subject(
            "Games Design",
            ("game engines", "3d modelling", "programming", "visual communication"),
            ("2142", "2134"),
            (3, 6),
            "BA",
        ),
        Subject(
            "Media Production",
            ("video editing", "camera operation", "storytelling", "audio production"),
            ("2142",),
            (2, 6),
            "BA",
        ),
    ),
}

A_LEVEL_SUBJECTS: dict[str, tuple[str, ...]] = {
    DIGITAL: ("Computer Science",),
    ENGINEERING: ("Physics", "Mathematics", "Further Mathematics"),
    HEALTH: ("Biology", "Chemistry", "Psychology"),
    BUSINESS: ("Business", "Economics", "Law"),
    EDUCATION: ("Sociology", "English Language"),
    AGRICULTURE: ("Geography", "Environmental Science"),
    CREATIVE: ("Art and Design", "Photography", "Media Studies"),
}
"""A levels filed under the sector they most often lead towards (none for construction)."""

T_LEVELS: dict[str, tuple[str, ...]] = {
    DIGITAL: ("Digital Production, Design and Development", "Digital Support Services"),
    ENGINEERING: (
        "Design and Development for Engineering and Manufacturing",
        "Maintenance, Installation and Repair for Engineering and Manufacturing",
    ),
    HEALTH: ("Health", "Healthcare Science", "Science"),
    CONSTRUCTION: (
        "Onsite Construction",
        "Building Services Engineering for Construction",
        "Design, Surveying and Planning for Construction",
    ),
    BUSINESS: ("Management and Administration", "Finance"),
    EDUCATION: ("Education and Early Years",),
    AGRICULTURE: ("Agriculture, Land Management and Production", "Animal Care and Management"),
    CREATIVE: ("Media, Broadcast and Production", "Craft and Design"),
}
"""Real T Level titles, by the sector (route) they belong to."""
