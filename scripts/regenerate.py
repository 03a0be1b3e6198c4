"""Regenerate every generated file the tests compare against: the JSON Schemas (and, as they
appear, golden artifacts). Review the diff before committing.

Run: python scripts/regenerate.py
"""

from __future__ import annotations

import pathlib

from mlopsc.spec.jsonschema import overlay_schema, render, spec_schema

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main() -> None:
    for name, make in (("mlops.schema.json", spec_schema), ("mlops.overlay.schema.json", overlay_schema)):
        path = ROOT / "schemas" / name
        path.write_text(render(make()))
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
