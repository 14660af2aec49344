"""A realistic synthetic region: every return each council of the region sends.

For each council, from its own random streams, the SSDA903 history of the children it
looks after (`ssda903`), the placement costs of their placements (`placement_costs`), and
the children's social care work around them and around other children (`cin_census`, with
the Ofsted lists of `annex_a`), then every return as a view of that history at its
reference date (`views`), written council by council (`region`). The draws and dates they
share are in `draws`, the councils' areas, providers and identifiers in `councils`.

The output is identifiable synthetic data, as a council's systems would extract it:
`<out_dir>/<ONS code>/<reference date>/` holds the SSDA903 tables as CSV, the placement
costs extract, the CIN census as DfE XML and the Annex A workbook, the same children in
all four; with defects injected, `<out_dir>/injected_errors.csv` lists them.
"""

from __future__ import annotations

from csc.synthetic.region import generate_council, generate_region
from csc.synthetic.views import INJECTED_ERRORS_COLUMNS, INJECTED_ERRORS_FILE, InjectedError, View

__all__ = [
    "INJECTED_ERRORS_COLUMNS",
    "INJECTED_ERRORS_FILE",
    "InjectedError",
    "View",
    "generate_council",
    "generate_region",
]
