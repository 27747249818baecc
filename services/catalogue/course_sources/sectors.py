"""The sector words imported courses are filed under, and the Sector Subject Area tables that
lead to them.

Routeways files courses under the occupational routes (the words the demo catalogue uses too),
because learners' goals are occupations and the routes group occupations. Ofqual and LARS
classify qualifications by Sector Subject Area (SSA): 15 tier-1 areas split into tier-2 areas
such as "6.1 ICT Practitioners". Each tier-2 area lands in the route that teaches it; the
academic areas no route covers keep their own SSA name.
"""

from __future__ import annotations

import re

DIGITAL = "Digital"
ENGINEERING = "Engineering and manufacturing"
HEALTH = "Health and science"
CONSTRUCTION = "Construction"
BUSINESS = "Business and administration"
EDUCATION = "Education and childcare"
AGRICULTURE = "Agriculture, environmental and animal care"
CREATIVE = "Creative and design"
CARE = "Care services"
HOSPITALITY = "Catering and hospitality"
HAIR_AND_BEAUTY = "Hair and beauty"
LEGAL_AND_FINANCE = "Legal, finance and accounting"
PROTECTIVE = "Protective services"
SALES = "Sales, marketing and procurement"
TRANSPORT = "Transport and logistics"
LEISURE = "Leisure, travel and tourism"
HUMANITIES = "History, philosophy and theology"
SOCIAL_SCIENCES = "Social sciences"
LANGUAGES = "Languages, literature and culture"
LIFE_AND_WORK = "Preparation for life and work"

#: SSA tier 1: code -> (official name, sector). Used when a record gives no tier-2 area.
SSA_TIER_1 = {
    "1": ("Health, Public Services and Care", HEALTH),
    "2": ("Science and Mathematics", HEALTH),  # science is taught on the health and science route
    "3": ("Agriculture, Horticulture and Animal Care", AGRICULTURE),
    "4": ("Engineering and Manufacturing Technologies", ENGINEERING),
    "5": ("Construction, Planning and the Built Environment", CONSTRUCTION),
    "6": ("Information and Communication Technology", DIGITAL),
    "7": ("Retail and Commercial Enterprise", SALES),
    "8": ("Leisure, Travel and Tourism", LEISURE),
    "9": ("Arts, Media and Publishing", CREATIVE),
    "10": ("History, Philosophy and Theology", HUMANITIES),
    "11": ("Social Sciences", SOCIAL_SCIENCES),
    "12": ("Languages, Literature and Culture", LANGUAGES),
    "13": ("Education and Training", EDUCATION),
    "14": ("Preparation for Life and Work", LIFE_AND_WORK),
    "15": ("Business, Administration and Law", BUSINESS),
}

#: SSA tier 2: code -> (official name, sector). Where a tier-1 area spans several routes (care
#: and public services in 1, hair and hospitality in 7, finance and law in 15) tier 2 decides.
SSA_TIER_2 = {
    "1.1": ("Medicine and Dentistry", HEALTH),
    "1.2": ("Nursing and Subjects and Vocations Allied to Medicine", HEALTH),
    "1.3": ("Health and Social Care", CARE),
    "1.4": ("Public Services", PROTECTIVE),
    "1.5": ("Child Development and Well Being", EDUCATION),
    "2.1": ("Science", HEALTH),
    "2.2": ("Mathematics and Statistics", HEALTH),
    "3.1": ("Agriculture", AGRICULTURE),
    "3.2": ("Horticulture and Forestry", AGRICULTURE),
    "3.3": ("Animal Care and Veterinary Science", AGRICULTURE),
    "3.4": ("Environmental Conservation", AGRICULTURE),
    "4.1": ("Engineering", ENGINEERING),
    "4.2": ("Manufacturing Technologies", ENGINEERING),
    "4.3": ("Transportation Operations and Maintenance", ENGINEERING),
    "5.1": ("Architecture", CONSTRUCTION),
    "5.2": ("Building and Construction", CONSTRUCTION),
    "5.3": ("Urban, Rural and Regional Planning", CONSTRUCTION),
    "6.1": ("ICT Practitioners", DIGITAL),
    "6.2": ("ICT for Users", DIGITAL),
    "7.1": ("Retailing and Wholesaling", SALES),
    "7.2": ("Warehousing and Distribution", TRANSPORT),
    "7.3": ("Service Enterprises", HAIR_AND_BEAUTY),
    "7.4": ("Hospitality and Catering", HOSPITALITY),
    "8.1": ("Sport, Leisure and Recreation", LEISURE),
    "8.2": ("Travel and Tourism", LEISURE),
    "9.1": ("Performing Arts", CREATIVE),
    "9.2": ("Crafts, Creative Arts and Design", CREATIVE),
    "9.3": ("Media and Communication", CREATIVE),
    "9.4": ("Publishing and Information Services", CREATIVE),
    "10.1": ("History", HUMANITIES),
    "10.2": ("Archaeology and Archaeological Sciences", HUMANITIES),
    "10.3": ("Philosophy", HUMANITIES),
    "10.4": ("Theology and Religious Studies", HUMANITIES),
    "11.1": ("Geography", SOCIAL_SCIENCES),
    "11.2": ("Sociology and Social Policy", SOCIAL_SCIENCES),
    "11.3": ("Politics", SOCIAL_SCIENCES),
    "11.4": ("Economics", SOCIAL_SCIENCES),
    "11.5": ("Anthropology", SOCIAL_SCIENCES),
    "12.1": ("Languages, Literature and Culture of the British Isles", LANGUAGES),
    "12.2": ("Other Languages, Literature and Culture", LANGUAGES),
    "12.3": ("Linguistics", LANGUAGES),
    "13.1": ("Teaching and Lecturing", EDUCATION),
    "13.2": ("Direct Learning Support", EDUCATION),
    "14.1": ("Foundations for Learning and Life", LIFE_AND_WORK),
    "14.2": ("Preparation for Work", LIFE_AND_WORK),
    "15.1": ("Accounting and Finance", LEGAL_AND_FINANCE),
    "15.2": ("Administration", BUSINESS),
    "15.3": ("Business Management", BUSINESS),
    "15.4": ("Marketing and Sales", SALES),
    "15.5": ("Law and Legal Services", LEGAL_AND_FINANCE),
}

_BY_NAME = {
    name.casefold(): sector for name, sector in (*SSA_TIER_1.values(), *SSA_TIER_2.values())
}
_CODED = re.compile(r"^(\d{1,2})(?:\.(\d)\d*)?(?:\s*[-\u2013:]?\s+(.*))?$")


def ssa_sector(text: str) -> str | None:
    """The sector of an SSA written as a code ("6.1", "06.1", "6.10", "15"), a code and a name
    ("6.1 ICT Practitioners") or a name alone; None when it names no known area."""
    text = " ".join(text.split())
    coded = _CODED.match(text)
    if coded is None:
        return _BY_NAME.get(text.casefold())
    tier_1, digit, name = str(int(coded[1])), coded[2], coded[3]
    if digit and digit != "0" and f"{tier_1}.{digit}" in SSA_TIER_2:
        return SSA_TIER_2[f"{tier_1}.{digit}"][1]
    if tier_1 in SSA_TIER_1:
        return SSA_TIER_1[tier_1][1]
    return _BY_NAME.get(name.casefold()) if name else None
