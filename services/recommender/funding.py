"""What a learner pays for a course after the funding they are eligible for, and why.

One set of rules, used for a single course (`funding_for`, with a plain-English reason) and
for many courses at once (`up_front_costs`, for the serving filter). They decide from the
course's RQF level, fee and funding kind, the learner's age band, and the highest RQF level
the learner holds *at that point*: a route asks step by step with the level reached after the
earlier steps, so a second level 3 is not free once the first is done. In order:

- **Fully funded or paid by an employer.** "fully-funded" and "employer-funded" courses cost
  nothing.
- **16 to 19 study programmes.** "free-16-19" courses cost nothing to learners aged 16-18.
- **Adult legal entitlements** (the Adult Skills Fund's legal entitlements, and the Free
  Courses for Jobs level 3 offer), on "fee" courses for learners aged 19 or over:
  a course at level 2 or below is fully funded for a 19-23 year old who holds no level 2 yet
  (their first full level 2); a level 3 course is fully funded for anyone 19 or over who holds
  no level 3 yet (their first full level 3).
- **Loans** (nothing up front; repaid later, from earnings, once they earn enough), for
  learners aged 19 or over: an Advanced Learner Loan for "loan-eligible" courses at level 3
  or above, and a tuition fee loan (student finance, becoming the Lifelong Learning
  Entitlement) for "fee" courses at level 4 or above. `Funding.loan_pence` is what they borrow.
- **Otherwise the full fee.**

An unknown age band or learner level earns no entitlement: we cannot show eligibility we do
not know. An unknown course level earns neither an entitlement nor a loan. A funding kind
outside `FUNDING_KINDS` counts as a fee, and an unstated fee as none.

This is a simplification of the rules providers apply. It does not model the 24+ level 2
eligibility for learners on a low wage or unemployed, English and maths or essential digital
skills entitlements, residency, or the loans' rules on previous study; and it treats every
level 3 fee course as one on the Free Courses for Jobs list. A learner's provider confirms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: Funding kinds courses carry, in code order (`funding_code`); anything else counts as a fee.
FUNDING_KINDS = ("fee", "fully-funded", "employer-funded", "free-16-19", "loan-eligible")
FEE, FULLY_FUNDED, EMPLOYER_FUNDED, FREE_16_19, LOAN_ELIGIBLE = range(len(FUNDING_KINDS))
FUNDING_CODES: Mapping[str, int] = {kind: code for code, kind in enumerate(FUNDING_KINDS)}

SIXTEEN_TO_EIGHTEEN = "16-18"
NINETEEN_TO_TWENTY_THREE = "19-23"
ADULT_AGE_BANDS = frozenset({NINETEEN_TO_TWENTY_THREE, "24+"})
#: The first full level 2 is an entitlement for 19-23 year olds, on courses up to this level.
FULL_LEVEL_2 = 2
#: The first full level 3 is free at 19 or over, on courses at exactly this level.
FULL_LEVEL_3 = 3
#: Advanced Learner Loans cover "loan-eligible" courses from this RQF level, at 19 or over.
LOAN_MIN_LEVEL = 3
#: Tuition fee loans (student finance, the Lifelong Learning Entitlement) from this level.
TUITION_LOAN_MIN_LEVEL = 4


@dataclass(frozen=True)
class Funding:
    """How one course is paid for, for one learner at one point on their way.

    `pays_pence` is what the learner pays up front; `loan_pence` what a loan pays for them
    (repaid later, from earnings); `kind` which rule applied (see `funding_for`); `reason`
    a short plain-English account of it, built only from the course's and learner's facts.
    """

    pays_pence: int
    loan_pence: int
    kind: str
    reason: str


def funding_for(
    rqf_level: int | None,
    cost_pence: int | None,
    funding_kind: str | None,
    age_band: str | None,
    learner_level: int | None,
    full_qualification: bool = True,
) -> Funding:
    """How a course at `rqf_level` with fee `cost_pence` and `funding_kind` is paid for by a
    learner in `age_band` whose highest RQF level held is `learner_level` (None: not known).
    The first-full-level entitlements fund only a `full_qualification` (not a short course or
    a bootcamp; routes know the course's type, the serving filter does not and assumes one).

    The `kind` names the rule that applied: the course's own kind when that pays
    ("fully-funded", "employer-funded", "free-16-19"), else "first-full-level-2",
    "first-full-level-3", "advanced-learner-loan" or "tuition-fee-loan"; "fee" when the learner
    pays it all, or there is no fee to pay.
    """
    fee = cost_pence or 0
    code = funding_code(funding_kind)
    if code == FULLY_FUNDED:
        return Funding(0, 0, "fully-funded", "fully funded")
    if code == EMPLOYER_FUNDED:
        return Funding(0, 0, "employer-funded", "paid for by the employer")
    if code == FREE_16_19 and age_band == SIXTEEN_TO_EIGHTEEN:
        return Funding(0, 0, "free-16-19", "free at 16 to 18")
    if fee == 0:
        return Funding(0, 0, "fee", "no fee" if cost_pence == 0 else "no fee stated")
    if full_qualification and _first_full_level_2(rqf_level, code, age_band, learner_level):
        return Funding(0, 0, "first-full-level-2", _level_2_reason(rqf_level))
    if full_qualification and _first_full_level_3(rqf_level, code, age_band, learner_level):
        return Funding(0, 0, "first-full-level-3", "fully funded: your first full level 3")
    if _advanced_learner_loan(rqf_level, code, age_band):
        reason = f"an Advanced Learner Loan pays the {money(fee)} fee"
        return Funding(0, fee, "advanced-learner-loan", reason)
    if _tuition_fee_loan(rqf_level, code, age_band):
        reason = f"a tuition fee loan (student finance) pays the {money(fee)} fee"
        return Funding(0, fee, "tuition-fee-loan", reason)
    if code == FREE_16_19:
        return Funding(fee, 0, "fee", f"{money(fee)} fee (free only at 16 to 18)")
    return Funding(fee, 0, "fee", f"{money(fee)} fee")


def up_front_costs(
    levels: np.ndarray,
    costs: np.ndarray,
    funding_codes: np.ndarray,
    age_band: str | None,
    learner_level: int | None,
) -> np.ndarray:
    """What one learner pays up front for each of n courses: `funding_for(...).pays_pence`
    for every row at once.

    - `levels`: integer (n,), each course's RQF level, negative when not stated
    - `costs`: int64 (n,), each course's fee in pence, 0 when not stated
    - `funding_codes`: integer (n,), `funding_code` of each course's funding kind
    - returns int64 (n,), pence
    """
    free = (funding_codes == FULLY_FUNDED) | (funding_codes == EMPLOYER_FUNDED)
    if age_band == SIXTEEN_TO_EIGHTEEN:
        free |= funding_codes == FREE_16_19
    if age_band in ADULT_AGE_BANDS:
        fee_course = funding_codes == FEE
        if _holds_no(FULL_LEVEL_2, learner_level) and age_band == NINETEEN_TO_TWENTY_THREE:
            free |= fee_course & (levels >= 0) & (levels <= FULL_LEVEL_2)
        if _holds_no(FULL_LEVEL_3, learner_level):
            free |= fee_course & (levels == FULL_LEVEL_3)
        free |= (funding_codes == LOAN_ELIGIBLE) & (levels >= LOAN_MIN_LEVEL)
        free |= fee_course & (levels >= TUITION_LOAN_MIN_LEVEL)
    return np.where(free, 0, costs).astype(np.int64, copy=False)


def funding_code(funding_kind: str | None) -> int:
    """The code of a funding kind in `FUNDING_KINDS`; unknown or missing kinds are fees."""
    return FUNDING_CODES.get(funding_kind or "", FEE)


def money(pence: int) -> str:
    """Pounds as a learner reads them: "£450", "£2,400", "£99.50"."""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pence / 100:,.2f}"


def _first_full_level_2(
    rqf_level: int | None, code: int, age_band: str | None, learner_level: int | None
) -> bool:
    """The Adult Skills Fund's legal entitlement: 19-23, no level 2 yet, a course up to it."""
    return (
        code == FEE
        and age_band == NINETEEN_TO_TWENTY_THREE
        and _holds_no(FULL_LEVEL_2, learner_level)
        and rqf_level is not None
        and 0 <= rqf_level <= FULL_LEVEL_2
    )


def _first_full_level_3(
    rqf_level: int | None, code: int, age_band: str | None, learner_level: int | None
) -> bool:
    """The legal entitlement (19-23) and Free Courses for Jobs (24+): no level 3 yet. A
    loan-eligible level 3 is funded too: nobody without a level 3 needs the loan for it."""
    return (
        code in (FEE, LOAN_ELIGIBLE)
        and age_band in ADULT_AGE_BANDS
        and _holds_no(FULL_LEVEL_3, learner_level)
        and rqf_level == FULL_LEVEL_3
    )


def _advanced_learner_loan(rqf_level: int | None, code: int, age_band: str | None) -> bool:
    return (
        code == LOAN_ELIGIBLE
        and age_band in ADULT_AGE_BANDS
        and rqf_level is not None
        and rqf_level >= LOAN_MIN_LEVEL
    )


def _tuition_fee_loan(rqf_level: int | None, code: int, age_band: str | None) -> bool:
    return (
        code == FEE
        and age_band in ADULT_AGE_BANDS
        and rqf_level is not None
        and rqf_level >= TUITION_LOAN_MIN_LEVEL
    )


def _holds_no(level: int, learner_level: int | None) -> bool:
    """The learner is known not to hold `level` yet (an unknown level proves nothing)."""
    return learner_level is not None and learner_level < level


def _level_2_reason(rqf_level: int | None) -> str:
    if rqf_level == FULL_LEVEL_2:
        return "fully funded: your first full level 2"
    return "fully funded: you are 19 to 23 and hold no level 2 yet"
