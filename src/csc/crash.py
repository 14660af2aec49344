"""Named points where a run can be made to die, for the tests that show a run converges.

`CSC_CRASH_AT=<point>` in the environment ends the process at that point as a kill would
(`os._exit`, no clean-up, no exception handlers): the tests then run again and compare
with a run that was never interrupted. Unset, a point costs one dictionary look-up.
"""

from __future__ import annotations

import os

POINTS = ("parse", "raw_write", "commit", "data_docs", "dbt", "publish-hub", "publish")
CRASH_EXIT = 75


def crash_point(name: str) -> None:
    if os.environ.get("CSC_CRASH_AT") == name:
        os._exit(CRASH_EXIT)
