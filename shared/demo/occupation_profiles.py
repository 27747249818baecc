"""Demo figures for the demo occupations: what the real taxonomy takes from ESCO, Nesta and the
labour-market data, made up for the embedded default so routes and career-change suggestions
have something to work with. **Invented, plausible figures, not data**: never quote them.

- `isco_group`: the ISCO-08 unit group nearest each SOC 2020 unit group (one each, so no two
  demo occupations share their labour-market figures through it);
- `entry_level` (RQF), `job_zone` (O*NET 1-5), `earnings` (GBP a year) and `automation_risk`
  (on Nesta's scale, about 2.8 to 3.9, higher meaning more at risk);
- `skills`: essential skills beyond those of the demo subjects that lead to the occupation
  (the current-only occupations, which no subject leads to, have only these: transferable
  skills such as customer service, so career changes out of them can be found);
- `optional`: a couple of optional skills;
- `demand`, `pay` and `change`: Lancashire's entry-level postings index, median advertised pay
  (GBP) and projected change ("rise", "fall" or "steady"), for every education route.

Skill labels are the demo courses' own (lower case), so courses match occupations by label.
"""

from __future__ import annotations

from typing import NamedTuple

#: The one labour-market area of the demo, and its pin (Preston, as lep_locations.csv has it).
AREA = "LANCASHIRE"
AREA_PIN = ("Preston", 53.759, -2.699)


class OccupationProfile(NamedTuple):
    isco_group: str
    entry_level: int
    job_zone: int
    earnings: float
    automation_risk: float
    demand: float
    pay: float
    change: str
    optional: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()


P = OccupationProfile

PROFILES: dict[str, OccupationProfile] = {
    # Where learners are now (no demo subject leads to the first six).
    "7111": P("5223", 1, 1, 18_500, 3.62, 1450, 18_000, "fall", ("spreadsheets", "record keeping"),
              ("customer service", "communication", "teamwork", "cash handling")),
    "6135": P("5322", 2, 2, 20_500, 3.05, 1800, 20_000, "rise", ("record keeping", "teamwork"),
              ("person-centred care", "safeguarding", "communication", "infection control")),
    "9252": P("9333", 1, 1, 21_000, 3.78, 1200, 21_500, "steady", ("spreadsheets",),
              ("health and safety", "stock control", "teamwork", "forklift operation")),
    "8214": P("8322", 1, 2, 22_500, 3.70, 950, 22_000, "rise", ("record keeping",),
              ("driving", "customer service", "route planning", "health and safety")),
    "9264": P("5131", 1, 1, 17_500, 3.55, 1100, 17_000, "steady", ("cash handling",),
              ("customer service", "communication", "teamwork", "food hygiene")),
    "5434": P("3434", 2, 2, 22_000, 3.45, 600, 21_000, "steady", ("stock control",),
              ("food hygiene", "food preparation", "health and safety", "teamwork")),
    "6136": P("5329", 3, 2, 22_500, 3.15, 700, 22_000, "rise",
              ("care planning", "medication administration")),
    "8139": P("8219", 1, 2, 22_000, 3.80, 500, 21_500, "fall", ("teamwork", "technical drawing")),
    "4159": P("4110", 2, 2, 21_500, 3.72, 900, 20_500, "fall", ("spreadsheets",)),
    # Where they are heading (and what the courses lead to).
    "2134": P("2512", 6, 4, 42_000, 2.95, 620, 38_000, "rise", ("sql", "cloud infrastructure")),
    "2135": P("2529", 6, 4, 48_000, 2.90, 180, 45_000, "rise", ("cloud infrastructure", "python")),
    "3544": P("3314", 5, 4, 33_000, 3.20, 260, 30_000, "rise",
              ("communication", "stakeholder management")),
    "3131": P("3511", 4, 3, 30_000, 3.30, 310, 27_500, "rise",
              ("customer service", "windows administration")),
    "3132": P("3512", 3, 3, 25_000, 3.40, 420, 23_000, "steady", ("linux", "communication")),
    "3113": P("3115", 4, 3, 33_500, 3.35, 380, 30_000, "steady",
              ("technical drawing", "project planning")),
    "3112": P("3113", 4, 3, 32_000, 3.33, 210, 29_500, "steady",
              ("plc programming", "health and safety")),
    "2122": P("2144", 6, 4, 43_000, 3.00, 240, 38_000, "rise",
              ("project planning", "lean manufacturing")),
    "5223": P("7233", 3, 3, 31_000, 3.50, 330, 28_000, "fall",
              ("cnc machining", "technical drawing")),
    "5213": P("7212", 2, 2, 29_000, 3.60, 190, 26_500, "steady",
              ("health and safety", "quality assurance")),
    "6131": P("5321", 3, 2, 22_500, 3.10, 900, 21_500, "rise", ("care planning", "teamwork")),
    "2237": P("2221", 6, 4, 35_000, 2.85, 700, 33_000, "rise", ("safeguarding", "communication")),
    "3111": P("3212", 3, 3, 25_500, 3.40, 150, 24_000, "steady",
              ("health and safety", "statistics")),
    "5241": P("7411", 3, 3, 34_000, 3.30, 350, 32_000, "rise",
              ("customer service", "technical drawing")),
    "5314": P("7126", 3, 3, 33_000, 3.32, 260, 31_000, "rise",
              ("customer service", "building regulations")),
    "5316": P("7115", 3, 3, 30_500, 3.48, 220, 29_000, "steady",
              ("building regulations", "customer service")),
    "3114": P("3112", 4, 3, 33_000, 3.25, 170, 30_500, "rise",
              ("health and safety", "stakeholder management")),
    "4122": P("4311", 3, 3, 24_500, 3.75, 380, 23_000, "fall",
              ("office software", "record keeping")),
    "3571": P("2423", 4, 4, 32_000, 3.15, 230, 29_000, "steady",
              ("office software", "spreadsheets")),
    "3554": P("2431", 4, 3, 29_500, 3.20, 270, 26_000, "rise",
              ("visual communication", "data visualisation")),
    "6111": P("5311", 3, 2, 19_500, 3.05, 480, 18_500, "rise", ("record keeping", "teamwork")),
    "6112": P("5312", 3, 2, 19_000, 3.10, 520, 18_000, "steady",
              ("child development", "record keeping")),
    "2314": P("2330", 6, 4, 38_000, 2.80, 300, 36_000, "steady",
              ("special educational needs", "classroom support")),
    "5111": P("6130", 2, 3, 27_000, 3.45, 60, 25_000, "fall", ("record keeping", "animal welfare")),
    "6129": P("5164", 2, 2, 18_500, 3.25, 110, 18_000, "steady",
              ("customer service", "health and safety")),
    "2142": P("2166", 5, 4, 28_500, 3.10, 160, 25_500, "steady",
              ("social media", "web analytics")),
}  # fmt: skip
