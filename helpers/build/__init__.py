"""Build tooling behind `make`: the papermill runner, staleness digests, the site builder, the bench.

Nothing here is imported by the notebooks, so a change to this package never marks a part stale
(`helpers/build/digest.py` follows only the imports of each part's own code).
"""
