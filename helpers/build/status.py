"""Which parts of a profile are up to date: ``python -m helpers.build.status --profile quick`` (``make status``).

One line per part, ``NN_name: up to date`` or ``NN_name: stale (<what changed>)``, from the inputs
recorded in each part's results (``helpers/build/digest.py``); a part that reads the results of a part
that reruns before it is listed as stale too, as the build will rerun it. Reads files only: no
TensorFlow, no kernel.
"""

from __future__ import annotations

import argparse

from helpers.build.digest import UnreadableResultsError, plan
from helpers.build.profiles import check_profile
from helpers.params import ParameterError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full")
    args = parser.parse_args()
    try:
        check_profile(args.profile)
    except ParameterError as error:
        raise SystemExit(f"ParameterError: {error}") from None
    try:
        statuses = plan(args.profile)
    except UnreadableResultsError as error:
        raise SystemExit(str(error)) from None
    for current in statuses:
        print(current.line())


if __name__ == "__main__":
    main()
