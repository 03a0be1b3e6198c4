"""The plan stage: a desired resource graph diffed against a base (a git ref, the last applied
state, or nothing) into one Plan, rendered as text, markdown or JSON.

    model.py        Plan, Change, InputDiff (Pulumi Automation API vocabulary: same/create/update/replace/delete)
    diff.py         diff(base manifest | None, head manifest) -> Plan
    paths.py        how a value is walked into paths ($json documents, JSON strings, keyed lists)
    replacement.py  per type token, the inputs whose change forces a replacement (with sources)
    secrets.py      which values never appear in a rendering
    base.py         the base at a git ref, compiled from `git archive` into a temp dir
    manifest.py     compile one env's spec into its manifest dict (no files written)
    render_*.py     text (terminal), markdown (pull requests), json (SPEC.md §3)
    codes.py        the diagnostic codes of this stage (MLC400-MLC419)
"""
