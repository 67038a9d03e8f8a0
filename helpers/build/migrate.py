"""One-off: re-record the results of parts built under whole-module digests in the narrow scheme.

Until December 2026 a part's record held one digest per library module it imported
(``helpers/grid.py``); now it holds one per definition it reaches (``helpers/grid.py::run_grid``,
``helpers.build.reach``). A part whose record still matches the whole-module digests of today's files
is up to date under both schemes (no module it imports changed, so no definition in one did).
``python -m helpers.build.migrate PREVIOUS_DIGEST_PY --profile full`` (the previous ``digest.py``,
from git) writes such a part's current narrow inputs into its results without running it, and
leaves every other part as it is: stale, to be rebuilt.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

from helpers.build.digest import combined, part_inputs, recorded_build
from helpers.build.profiles import EXECUTED, part_names
from helpers.build.run import record_inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("previous", help="the previous digest.py (git show <commit>:helpers/build/digest.py)")
    parser.add_argument("--profile", required=True)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("previous_digest", args.previous)
    previous = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = previous  # dataclasses look their module up there
    spec.loader.exec_module(previous)
    # Judge every part under the previous scheme first: re-recording one changes the bytes of a results
    # file that a later part's previous digests name.
    current = [
        part
        for part in part_names()
        if (build := recorded_build(part, args.profile)) is not None
        and not any("::" in name for name in build["inputs"])
        and build["inputs"] == previous.part_inputs(part, args.profile)
    ]
    for part in part_names():
        if part not in current:
            print(f"{part}: not up to date under the previous scheme; left as it is")
            continue
        inputs = part_inputs(part, args.profile)
        record_inputs(EXECUTED / args.profile / "results" / f"{part}.json", inputs)
        print(f"{part}: re-recorded ({len(inputs)} inputs, digest {combined(inputs)})")


if __name__ == "__main__":
    main()
