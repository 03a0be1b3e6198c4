"""Regenerate every generated doc: docs/reference.md and the generated blocks of README.md.

docs/reference.md is every key of mlops.yaml, from the spec models; README.md's blocks are the
diagnostic-code table, from src/mlopsc/codes.py, and the Layout, from the package tree's
docstrings. tests/test_docs.py fails when any of them is stale.

Run: python scripts/gen_docs.py           (writes what changed)
     python scripts/gen_docs.py --check   (writes nothing; exit 1 when something is stale)
"""

from __future__ import annotations

import argparse
import ast
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))  # document this tree's models, not an installed mlopsc

PACKAGE = SRC / "mlopsc"
README = "README.md"
REFERENCE = "docs/reference.md"

# The README's groups of diagnostic codes: (first, last, what). Every code must fall in one.
CODE_GROUPS: list[tuple[int, int, str]] = [
    (1, 19, "reading a file"),
    (20, 29, "overlays and environments"),
    (100, 199, "the schema: unknown or missing keys, types, value grammars, YAML 1.1 booleans, ranges, name lengths"),
    (200, 229, "cross-field rules and references"),
    (230, 239, "compile"),
    (240, 249, "secrets"),
    (250, 259, "apply and destroy: the env lock, plan files, the guards, the engine"),
    (260, 269, "promote"),
    (270, 279, "run and status"),
    (280, 289, "AWS calls"),
    (290, 299, "init"),
    (300, 399, "policy rules (see [Policy rules](#policy-rules))"),
    (400, 409, "the state record"),
    (410, 419, "plan: the git base, the output file, the head spec"),
]

# Folders of the repository outside src/, in the Layout (scripts/ and templates/ describe themselves).
REPO_FOLDERS: dict[str, str] = {
    "benchmarks": "timing scripts for validate and compile (see benchmarks/README.md)",
    "docs": "the user documentation: reference.md (generated), guide.md, ci.md, ci-github.md, ci-gitlab.md",
    "examples": "three realistic projects with dev/staging/prod overlays",
    "schemas": "the JSON Schemas of mlops.yaml and of overlays, generated from the models (`mlopsc schema`)",
    "tests": "unit, functional, golden-file, hostile-input, robustness and property-based tests",
}


class GenerationError(Exception):
    pass


# --- README: diagnostic codes --------------------------------------------------------------

def code_number(code: str) -> int:
    return int(code[3:])


def codes_block(codes: dict[str, str]) -> str:
    """The diagnostic-code table: every code with its title, by range, in code order."""
    groups: dict[int, list[str]] = {i: [] for i in range(len(CODE_GROUPS))}
    for code in sorted(codes, key=code_number):
        found = [i for i, (low, high, _) in enumerate(CODE_GROUPS) if low <= code_number(code) <= high]
        if not found:
            raise GenerationError(f"{code} is in no group of CODE_GROUPS (scripts/gen_docs.py): add its range")
        groups[found[0]].append(code)
    lines = ["| code | meaning |", "|---|---|"]
    for i, (_, _, what) in enumerate(CODE_GROUPS):
        members = groups[i]
        if not members:
            continue
        span = members[0] if len(members) == 1 else f"{members[0]}–{members[-1]}"
        lines.append(f"| **{span}** | **{what}** |")
        lines += [f"| {code} | {_cell(codes[code])} |" for code in members]
    return "\n".join(lines)


def rules_block() -> str:
    """The policy-rule table: every rule's id, what it holds, default severity and scope (policy/rules/)."""
    from mlopsc.policy.rules import RULES

    lines = ["| id | rule | default | scope |", "|---|---|---|---|"]
    lines += [f"| {r.id} | {_cell(r.description)} | {r.severity.value} | {r.scope} |" for r in sorted(RULES, key=lambda r: r.id)]
    return "\n".join(lines)


def _cell(text: str) -> str:
    from mlopsc.spec.reference import prose

    return prose(text).replace("|", "\\|")


# --- README: layout ------------------------------------------------------------------------

def summary(path: pathlib.Path) -> str | None:
    """The summary of a module's docstring (its first paragraph, on one line), read without importing it."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    if not doc:
        return None
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    return re.split(r"(?<=[.!?])\s+(?=[A-Z`])", paragraph)[0]


def _entry(name: str, path: pathlib.Path | None, depth: int, fallback: str = "") -> str:
    from mlopsc.spec.reference import prose

    text = (summary(path) if path is not None else None) or fallback or "(no docstring)"
    return f"{'  ' * depth}- `{name}` — {prose(text)}"


def _package_lines(folder: pathlib.Path, depth: int) -> list[str]:
    """A package's top-level modules, then its subpackages (recursively), then its data folders."""
    lines: list[str] = []
    for module in sorted(p for p in folder.glob("*.py") if p.name != "__init__.py"):
        if depth == 1:  # only the top level lists modules; packages describe their own
            lines.append(_entry(module.name, module, depth))
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))):
        if (sub / "__init__.py").is_file():
            lines.append(_entry(f"{sub.name}/", sub / "__init__.py", depth))
            lines += _package_lines(sub, depth + 1)
        elif depth == 1 and not sub.name.endswith(".egg-info"):
            files = sorted(p.name for p in sub.iterdir() if p.is_file() and not p.name.startswith("."))
            if files:
                lines.append(f"{'  ' * depth}- `{sub.name}/` — data files shipped in the package: "
                             + ", ".join(f"`{f}`" for f in files))
    return lines


def layout_block(root: pathlib.Path = ROOT) -> str:
    """Every package under src/mlopsc/ (and its top-level modules), with its docstring's summary,
    then the repository's other folders."""
    package = root / "src" / "mlopsc"
    lines = [_entry("src/mlopsc/", package / "__init__.py", 0)]
    lines += _package_lines(package, 1)
    folders: dict[str, list[str]] = {name: [f"- `{name}/` — {what}"] for name, what in REPO_FOLDERS.items()
                                      if (root / name).is_dir()}
    if (root / "templates" / "__init__.py").is_file():  # the package mlopsc.templates
        folders["templates"] = [_entry("templates/", root / "templates" / "__init__.py", 0)]
    scripts = sorted((root / "scripts").glob("*.py"))
    if scripts:
        folders["scripts"] = ["- `scripts/` — the scripts that regenerate generated files (review their diff before committing)"]
        folders["scripts"] += [_entry(p.name, p, 1) for p in scripts]
    for name in sorted(folders):
        lines += folders[name]
    return "\n".join(lines)


# --- README: blocks ------------------------------------------------------------------------

def _markers(name: str) -> tuple[str, str]:
    return f"<!-- generated: {name} -->", f"<!-- end generated: {name} -->"


def replace_block(text: str, name: str, body: str) -> str:
    """text with the lines between the block's markers replaced by body."""
    start, end = _markers(name)
    pattern = re.compile(rf"^{re.escape(start)}\n.*?^{re.escape(end)}$", re.M | re.S)
    if len(pattern.findall(text)) != 1:
        raise GenerationError(f"README.md needs exactly one `{start}` … `{end}` block")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def readme(text: str, root: pathlib.Path = ROOT) -> str:
    from mlopsc.codes import CODES

    text = replace_block(text, "codes", codes_block(CODES))
    text = replace_block(text, "rules", rules_block())
    return replace_block(text, "layout", layout_block(root))


# --- all of it -----------------------------------------------------------------------------

def generated(root: pathlib.Path = ROOT) -> dict[str, str]:
    """Every generated doc: path relative to the repository -> its text."""
    from mlopsc.spec.reference import render

    return {REFERENCE: render(), README: readme((root / README).read_text(encoding="utf-8"), root)}


def stale(root: pathlib.Path = ROOT) -> list[str]:
    out = []
    for relative, text in generated(root).items():
        path = root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(relative)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a doc is stale")
    args = parser.parse_args(argv)
    try:
        docs = generated()
    except Exception as exc:  # the generators' errors say what to fix
        print(f"gen_docs: {exc}", file=sys.stderr)
        return 1
    changed = []
    for relative, text in docs.items():
        path = ROOT / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        changed.append(relative)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for relative in changed:
        print(f"{'stale' if args.check else 'wrote'} {relative}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
