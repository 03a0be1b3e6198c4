"""The mlops.yaml reference (docs/reference.md), generated from the spec models: every key with its type
in the user's words, default, allowed values, description and what it deploys.

Pure: `render()` reads the pydantic models (and nothing else: no files, no cloud SDKs) and returns
markdown. Keys come in model field order, sections depth first. A field without a description,
a value type without words below, or a top-level key without a "deploys" sentence is an error
(ReferenceError), so a new key cannot reach the reference undocumented. scripts/gen_docs.py
writes the result; tests/test_docs.py fails when the committed file is stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from mlopsc.spec.merge import BASE_ONLY
from mlopsc.spec.models import Spec
from mlopsc.spec.reference.kinds import Kind, _default, _inline, field_kind
from mlopsc.spec.reference.words import (
    DEPLOYS,
    HEADER,
    INTRO,
    PLACEHOLDERS,
    VALUES,
    ReferenceError,
)

# --- sections -----------------------------------------------------------------------------

def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@dataclass(frozen=True)
class Where:
    """A place in the spec: a dotted path, and the step type when inside a step."""

    path: str
    step_type: str | None = None

    def child(self, name: str) -> "Where":
        return Where(f"{self.path}.{name}" if self.path else name, self.step_type)

    def entries(self, name: str) -> "Where":
        return Where(f"{self.path}.{PLACEHOLDERS.get(name, '<name>')}", self.step_type)

    def items(self) -> "Where":
        return Where(f"{self.path}[]", self.step_type)

    @property
    def key(self) -> str:
        return f"{self.path}:{self.step_type}" if self.step_type else self.path

    @property
    def heading(self) -> str:
        if self.step_type is None:
            return f"`{self.path}`"
        if self.path.endswith("steps[]"):
            return f"`{self.path}` — `type: {self.step_type}`"
        return f"`{self.path}` ({self.step_type})"


@dataclass
class Section:
    where: Where
    heading: str
    level: int
    model: type[BaseModel] | None = None  # the keys of its table
    deploys: str | None = None  # its DEPLOYS key
    intro: list[str] = field(default_factory=list)
    lead: str | None = None  # the line just before its table

    @property
    def anchor(self) -> str:
        return "#" + slug(self.heading)


def _target(kind: Kind, where: Where, name: str) -> Where:
    """Where the section describing a key's mapping type is."""
    if kind.container == "mapping" and kind.item is not None:
        return where.entries(name)
    if kind.container == "list":
        return where.items()
    return where


def _step_type(member: type[BaseModel]) -> str:
    return get_args(member.model_fields["type"].annotation)[0]


class Reference:
    """The sections of the reference, collected depth first in model field order."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.by_key: dict[str, Section] = {}
        self.used_values: set[str] = set()
        self.used_deploys: set[str] = set()
        self.missing: list[str] = []

    def add(self, section: Section) -> None:
        self.sections.append(section)
        self.by_key[section.where.key] = section

    def walk(self, model: type[BaseModel], where: Where, level: int, heading: str | None = None,
             deploys: str | None = None, intro: list[str] | None = None, lead: str | None = None) -> None:
        self.add(Section(where, heading or where.heading, level, model, deploys or where.key, intro or [], lead))
        for name, info in model.model_fields.items():
            kind = field_kind(info, f"{where.key}.{name}")
            self.descend(kind, where.child(name), name, min(level + 1, 3))

    def descend(self, kind: Kind, where: Where, name: str, level: int, **top: Any) -> None:
        if kind.union:
            for member in kind.union:
                self.walk(member, Where(where.items().path, _step_type(member)), level)
        elif kind.model is not None:
            self.walk(kind.model, _target(kind, where, name), level, **top)

    def anchor(self, where: Where) -> str:
        return self.by_key[where.key].anchor


def _describe(info: FieldInfo, where: str, missing: list[str]) -> str:
    if not info.description:
        if where not in missing:
            missing.append(where)
        return ""
    return _sentence(info.description)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


def prose(text: str) -> str:
    """Markdown text with a `<` that could open a tag escaped outside code spans (GitHub drops `<name>`)."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(part if i % 2 else re.sub(r"<(?=[A-Za-z/!?])", "&lt;", part) for i, part in enumerate(parts))


def _cell(text: str) -> str:
    return prose(text).replace("|", "\\|").replace("\n", " ")


def _type_words(ref: Reference, kind: Kind, where: Where, name: str) -> str:
    if kind.union:
        links = [f"[{_step_type(m)}]({ref.anchor(Where(where.items().path, _step_type(m)))})" for m in kind.union]
        return f"list of steps: {', '.join(links)}"
    if kind.model is None:
        return kind.words
    link = ref.anchor(_target(kind, where, name))
    if kind.container == "list":
        return f"list of [mappings]({link})"
    if kind.container == "mapping" and kind.item is not None:
        return f"mapping: {_inline(kind.key)} → [mapping]({link})"  # type: ignore[arg-type]
    if kind.shorthand:
        return kind.words.replace("a mapping", f"a [mapping]({link})")
    return f"[mapping]({link})"


def _facts(ref: Reference, kind: Kind, info: FieldInfo, where: Where, name: str) -> tuple[str, str, str]:
    """(type, default, allowed) of one key."""
    ref.used_values.update(_values_in(kind))
    link = ref.anchor(_target(kind, where, name)) if kind.model is not None and not kind.union else None
    allowed = []
    if len(kind.literals) > 1:
        allowed.append(", ".join(f"`{v}`" for v in kind.literals))
    elif kind.item is not None and len(kind.item.literals) > 1:
        allowed.append("each one of " + ", ".join(f"`{v}`" for v in kind.item.literals))
    allowed += kind.narrowing
    return _type_words(ref, kind, where, name), _default(info, kind, link), "; ".join(allowed) or "—"


def _row(ref: Reference, section: Section, name: str, info: FieldInfo) -> str:
    where = section.where.child(name)
    kind = field_kind(info, where.key)
    words, default, allowed = _facts(ref, kind, info, where, name)
    description = _describe(info, where.key, ref.missing)
    if tuple(where.path.split(".")) in BASE_ONLY:
        description += " Only in mlops.yaml, not in overlays (MLC021)."
    if kind.shorthand:
        description += f" `{name}: X` stands for `{name}: {{{kind.shorthand}: X}}`."
    return f"| `{name}` | {_cell(words)} | {_cell(default)} | {_cell(allowed)} | {_cell(description)} |"


def _values_in(kind: Kind | None):
    while kind is not None:
        if kind.value:
            yield kind.value
        if kind.key is not None:
            yield from _values_in(kind.key)
        kind = kind.item


def _lines(ref: Reference, section: Section) -> list[str]:
    lines = [f"{'#' * section.level} {section.heading}", ""]
    for paragraph in section.intro:
        lines += [prose(paragraph), ""]
    if section.deploys in DEPLOYS:
        ref.used_deploys.add(section.deploys)  # type: ignore[arg-type]
        lines += [f"**Deploys:** {prose(DEPLOYS[section.deploys])}", ""]  # type: ignore[index]
    if section.lead:
        lines += [section.lead, ""]
    if section.model is not None:
        lines += ["| key | type | default | allowed | description |", "|---|---|---|---|---|"]
        lines += [_row(ref, section, name, info) for name, info in section.model.model_fields.items()]
        lines.append("")
    return lines


def collect() -> Reference:
    """Every section: the top level, then one per top-level key, depth first."""
    ref = Reference()
    ref.add(Section(Where(""), "Top level", 2, Spec, deploys=None,
                    intro=[" ".join((Spec.__doc__ or "").split())]))
    for name, info in Spec.model_fields.items():
        kind = field_kind(info, name)
        where = Where(name)
        description = _describe(info, name, ref.missing)
        if kind.model is None and not kind.union:
            if name in DEPLOYS:  # a key with no keys of its own (environments, notify)
                words, default, allowed = _facts(ref, kind, info, where, name)
                facts = f"Type: {words}. Default: {default}." + (f" Allowed: {allowed}." if allowed != "—" else "")
                ref.add(Section(where, where.heading, 2, None, name, [description, facts]))
            continue
        target = _target(kind, where, name)
        lead = f"Each entry, `{target.path}`, is a mapping:" if target != where else None
        ref.descend(kind, where, name, 2, heading=where.heading, deploys=name, intro=[description], lead=lead)
    return ref


def render() -> str:
    """docs/reference.md, as text."""
    ref = collect()
    problems = [f"top-level key `{name}` has no sentence in DEPLOYS (src/mlopsc/spec/reference.py)"
                for name in Spec.model_fields if name != "version" and name not in DEPLOYS]
    base_only = ", ".join(f"`{'.'.join(p)}`" for p in BASE_ONLY)
    out = [HEADER, "", INTRO.format(base_only=base_only).rstrip(), "", "## Contents", ""]
    anchors: set[str] = set()
    for section in ref.sections:
        out.append(f"{'  ' * (section.level - 2)}- [{section.heading}]({section.anchor})")
        if section.anchor in anchors:
            problems.append(f"two sections share the anchor {section.anchor}")
        anchors.add(section.anchor)
    out += ["- [Value types](#value-types)", ""]
    for section in ref.sections:
        out += _lines(ref, section)
    out += ["## Value types", "", "| type | what to write |", "|---|---|"]
    out += [f"| *{words}* | {_cell(text)} |" for key, (words, text) in VALUES.items() if key in ref.used_values]
    problems += [f"DEPLOYS names `{key}`, which is no section of the reference" for key in sorted(set(DEPLOYS) - ref.used_deploys)]
    problems += [f"`{where}` has no description: add Field(description=…) in src/mlopsc/spec/models/"
                 for where in ref.missing]
    if problems:
        raise ReferenceError("the reference cannot be generated:\n  " + "\n  ".join(problems))
    return "\n".join(out).rstrip() + "\n"
