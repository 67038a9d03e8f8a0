"""Which parts of a profile are up to date: ``python -m helpers.build.status --profile quick`` (``make status``).

One line per part, ``NN_name: up to date`` or ``NN_name: stale (<what changed>)``, from the inputs
recorded in each part's results (``helpers/build/digest.py``). Reads files only: no TensorFlow, no kernel.
"""

from __future__ import annotations

import argparse

from helpers.build.digest import UnreadableResultsError, status
from helpers.build.profiles import check_profile, part_names
from helpers.params import ParameterError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full")
    args = parser.parse_args()
    try:
        check_profile(args.profile)
    except ParameterError as error:
        raise SystemExit(f"ParameterError: {error}") from None
    for part in part_names():
        try:
            print(status(part, args.profile).line())
        except UnreadableResultsError as error:
            raise SystemExit(f"{part}: {error}") from None


if __name__ == "__main__":
    main()
