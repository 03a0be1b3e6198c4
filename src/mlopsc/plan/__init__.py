"""The plan stage: a desired resource graph diffed against a base (a git ref, the last applied
state, or nothing) into one Plan, rendered as text, markdown or JSON.

    actions.py      Action (Pulumi's OpType words: same/create/update/replace/delete), how every engine op
                    folds into it, markers and summary lines: the vocabulary apply speaks too
    model.py        Plan, Change, InputDiff, PlanCost (the cost comparison a plan carries)
    diff.py         diff(base manifest | None, head manifest) -> Plan
    paths.py        how a value is walked into paths ($json documents, JSON strings, keyed lists)
    replacement.py  per type token, the inputs whose change forces a replacement (with sources)
    secrets.py      which values never appear in a rendering
    base.py         the base at a git ref: the spec extracted by `git archive` into a temp dir, built there
    outfile.py      what `plan --out FILE` may replace: nothing, or an earlier plan (MLC413)
    live.py         the engine events of a preview mapped into a Plan (`plan --live`, apply's preview)
    render.py       render(plan, format): text (terminal), markdown (pull requests), json (plan_version 1),
                    each placing the plan's cost itself (render_text.py, render_markdown.py, render_json.py)

The API (mlopsc.api.plan) chooses the base, compiles the head and prices both sides.
"""
