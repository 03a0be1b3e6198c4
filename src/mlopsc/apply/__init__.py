"""The apply stage: the Pulumi Automation API over the interpreter of manifest.json.

workspace.py  where an env's stack lives (backend, secrets, config) and opening it
engine.py     preview / up / destroy over a StackRunner (the real Stack, or a fake in tests)
progress.py   engine events -> per-resource outcome and progress lines (the plan's markers and words)
guards.py     the checks before anything changes: CLI, credentials, account, plan, data loss
deploy.py     apply_env / destroy_env: the preview as a Plan (mlopsc.plan.live), the guards, the
              operations and the state record
"""
