"""Synthetic CIN census returns (children in need) of a council.

Children's social care work is simulated per council alongside the SSDA903 history
(`simulation`): contacts, early help, referrals and re-referrals (`families`), the
assessments, child in need plans, section 47 enquiries, initial child protection
conferences and child protection plans of each (`casework`), and the casework around every
period of care in the 903 (`care`), each preceded by a referral of the same child (same
case ID, date of birth, sex and ethnicity); other children get new IDs from the council's
own ID scheme. Each census is then a view of that single history at its reference date, as
the council's system exports it (`census`); with `--errors` each rule the warehouse checks
is broken once in each council (`defects`).

Dates are held as proleptic ordinals (`date.toordinal()`) while simulating, for speed
(`calendar`).
"""

from __future__ import annotations

from csc.synthetic.cin_census.calendar import calendar
from csc.synthetic.cin_census.census import (
    CIN_FILE,
    census_xml,
    extract_details,
    people_by_year,
    shown_referrals,
)
from csc.synthetic.cin_census.defects import CIN_RULES, CinInjector, defect_plan
from csc.synthetic.cin_census.records import CareChild, Person, Referral, care_summary
from csc.synthetic.cin_census.simulation import simulate_cin

__all__ = [
    "CIN_FILE",
    "CIN_RULES",
    "CareChild",
    "CinInjector",
    "Person",
    "Referral",
    "calendar",
    "care_summary",
    "census_xml",
    "defect_plan",
    "extract_details",
    "people_by_year",
    "shown_referrals",
    "simulate_cin",
]
