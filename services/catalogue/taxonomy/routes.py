"""The English technical route of an occupation, from its ISCO-08 group.

The routes are the fifteen of England's technical education (T Levels and apprenticeships).
The mapping is by ISCO prefix, the longest match winning: a sub-major group (2 digits) gives
the default, and a minor (3) or unit (4) group overrides it where the sub-major group spans
routes (ISCO 214 engineers are Engineering, but 2142 civil engineers are Construction).

Why ISCO and not Nesta's skills-based sectors: every ESCO occupation has an ISCO group, while
Nesta's sectors cover 2,942 of 3,007; and Nesta's sectors cluster by shared skills, so one
sub-sector mixes routes (3.1 "food, cleaning & services workers" holds hairdressers, cooks,
waiters and cleaners; 1.4 holds both security guards and lorry drivers).
"""

from __future__ import annotations

AGRICULTURE = "Agriculture, environmental and animal care"
BUSINESS = "Business and administration"
CARE = "Care services"
CATERING = "Catering and hospitality"
CONSTRUCTION = "Construction and the built environment"
CREATIVE = "Creative and design"
DIGITAL = "Digital"
EDUCATION = "Education and early years"
ENGINEERING = "Engineering and manufacturing"
HAIR = "Hair and beauty"
HEALTH = "Health and science"
LEGAL = "Legal, finance and accounting"
PROTECTIVE = "Protective services"
SALES = "Sales, marketing and procurement"
TRANSPORT = "Transport and logistics"

ROUTES: tuple[str, ...] = (
    AGRICULTURE, BUSINESS, CARE, CATERING, CONSTRUCTION, CREATIVE, DIGITAL, EDUCATION,
    ENGINEERING, HAIR, HEALTH, LEGAL, PROTECTIVE, SALES, TRANSPORT,
)  # fmt: skip

#: ISCO-08 prefix -> route. Comments name the groups; overrides follow their sub-major group.
ISCO_ROUTES: dict[str, str] = {
    "01": PROTECTIVE, "02": PROTECTIVE, "03": PROTECTIVE,  # armed forces
    "11": BUSINESS,  # chief executives, senior officials
    "12": BUSINESS, "1211": LEGAL, "122": SALES,  # finance managers; sales and marketing managers
    "1223": ENGINEERING,  # research and development managers
    "13": BUSINESS, "131": AGRICULTURE, "1321": ENGINEERING, "1322": ENGINEERING,
    "1323": CONSTRUCTION, "1324": TRANSPORT, "133": DIGITAL,  # production/ICT managers
    "1341": EDUCATION, "1342": HEALTH, "1343": CARE, "1344": CARE, "1345": EDUCATION,
    "1346": LEGAL,  # professional services managers
    "14": BUSINESS, "141": CATERING, "142": SALES,  # hotel, restaurant and retail managers
    "21": ENGINEERING, "211": HEALTH, "212": HEALTH, "213": HEALTH,  # sciences
    "2132": AGRICULTURE, "2133": AGRICULTURE, "2142": CONSTRUCTION,  # farm advisers, civil eng.
    "216": CONSTRUCTION, "2163": CREATIVE, "2166": CREATIVE,  # architects; product/graphic design
    "22": HEALTH, "2250": AGRICULTURE,  # health professionals; veterinarians
    "23": EDUCATION,
    "24": BUSINESS, "241": LEGAL, "243": SALES,  # finance; sales, marketing and PR
    "25": DIGITAL,
    "26": CREATIVE, "261": LEGAL, "262": BUSINESS, "263": BUSINESS,  # legal; librarians; social
    "2634": HEALTH, "2635": CARE, "2636": CARE,  # psychologists; social work; religious
    "31": ENGINEERING, "3111": HEALTH, "3112": CONSTRUCTION, "3123": CONSTRUCTION,
    "3141": HEALTH, "3142": AGRICULTURE, "3143": AGRICULTURE, "315": TRANSPORT,  # ship/air
    "32": HEALTH, "3240": AGRICULTURE,  # health associates; veterinary technicians
    "33": BUSINESS, "331": LEGAL, "332": SALES, "3331": TRANSPORT,  # finance; sales; forwarding
    "3351": PROTECTIVE, "3355": PROTECTIVE,  # customs and border; police inspectors, detectives
    "34": CREATIVE, "3411": LEGAL, "3412": CARE, "3413": CARE,  # legal and social associates
    "342": EDUCATION, "3434": CATERING,  # sports coaches and instructors teach; chefs
    "35": DIGITAL, "3521": CREATIVE,  # ICT technicians; broadcasting and audiovisual
    "41": BUSINESS,
    "42": BUSINESS, "421": LEGAL, "4224": CATERING,  # tellers, collectors; hotel receptionists
    "43": LEGAL, "432": TRANSPORT,  # numerical clerks; stock and transport clerks
    "44": BUSINESS,
    "51": CARE, "511": TRANSPORT, "5113": CATERING, "512": CATERING, "513": CATERING,
    "514": HAIR, "515": CATERING, "5153": CONSTRUCTION, "5164": AGRICULTURE, "5165": TRANSPORT,
    "52": SALES,
    "53": CARE, "531": EDUCATION, "5321": HEALTH,  # child care, teachers' aides; HCAs
    "54": PROTECTIVE,
    "61": AGRICULTURE, "62": AGRICULTURE, "63": AGRICULTURE,
    "71": CONSTRUCTION,
    "72": ENGINEERING,
    "73": CREATIVE, "7311": ENGINEERING,  # handicraft and printing; precision instruments
    "74": ENGINEERING, "7411": CONSTRUCTION, "7422": DIGITAL,  # electricians; ICT installers
    "75": ENGINEERING, "751": CATERING, "753": CREATIVE,  # food crafts; garment trades
    "7544": AGRICULTURE,  # fumigators and pest controllers
    "81": ENGINEERING, "82": ENGINEERING,  # plant and machine operators; assemblers
    "83": TRANSPORT,
    "91": CONSTRUCTION,  # cleaners: facilities services
    "92": AGRICULTURE,
    "93": CONSTRUCTION, "932": ENGINEERING, "933": TRANSPORT,
    "94": CATERING,
    "95": SALES,
    "96": TRANSPORT, "961": AGRICULTURE, "9622": CONSTRUCTION,  # porters; refuse; odd jobs
}  # fmt: skip


def technical_route(isco_group: str) -> str | None:
    """The route of the longest ISCO prefix of `isco_group` in ISCO_ROUTES, if any."""
    for length in range(len(isco_group), 1, -1):
        route = ISCO_ROUTES.get(isco_group[:length])
        if route is not None:
            return route
    return None
