"""Terraform AWS provider schemas read from its Go source: each attribute's path, whether it forces a replace
(`ForceNew: true` in an SDK resource, a `RequiresReplace()` plan modifier in a plugin-framework one) and whether
it is an argument. Used by scripts/gen_replacement.py; reads names and flags only, copies no provider code."""

from __future__ import annotations

import hashlib
import json
import pathlib
import re
import subprocess

UNFORCED = ("tags", "tags_all")  # what ALL leaves out: Terraform updates tags through the tagging APIs

_SKIP = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|`[^`]*`|\'(?:\\.|[^\'\\\n])+\'', re.S)


def _close(text: str, i: int) -> int:
    """The index just past the bracket matching the one at i."""
    depth = 0
    while i < len(text):
        m = _SKIP.match(text, i)
        if m:
            i = m.end()
            continue
        depth += text[i] in "([{"
        depth -= text[i] in ")]}"
        if depth == 0:
            return i + 1
        i += 1
    raise ValueError("unbalanced Go source")


def _split(body: str, sep: str, first: bool = False) -> list[str]:
    """body split at its top-level occurrences of sep (only the first one with first)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(body):
        m = _SKIP.match(body, i)
        if m:
            i = m.end()
            continue
        depth += body[i] in "([{"
        depth -= body[i] in ")]}"
        if body[i] == sep and depth == 0:
            parts.append(body[start:i])
            start = i + 1
            if first:
                break
        i += 1
    return [p.strip() for p in parts + [body[start:]] if p.strip()]


def _uncommented(text: str) -> str:
    return _SKIP.sub(lambda m: m.group() if m.group()[0] in "\"`'" else "", text).strip()


def _body(text: str, start: int) -> str:
    """The braced block starting at the first `{` from start, braces included."""
    brace = text.index("{", start)
    return text[brace:_close(text, brace)]


class Package:
    """The Go files of one service directory: what a schema's names and calls refer to."""

    def __init__(self, text: str, constants: dict[str, str]):
        self.text = text
        self.constants = {**constants, **dict(re.findall(r'^\s*(\w+)\s*(?:string\s*)?=\s*"([^"]*)"', text, re.M))}

    def literal(self, expr: str) -> str:
        """The `{...}` an expression stands for: inline, a func() returning it, a variable or function."""
        expr = expr.strip().removesuffix(",")
        if re.match(r"^[&\w.\[\]*]*\{", expr):
            return _body(expr, 0)
        if expr.startswith("func("):
            return self._returned(_body(expr, expr.index(")")))
        wrapped = re.match(r"^sync\.OnceValue(?:\[[^\]]*\])?\((.*)\)$", expr, re.S)
        if wrapped:
            return self.literal(wrapped.group(1))
        name = re.match(r"^(?:\w+\.)?(\w+)(?:\((?:ctx|ctx, nil)?\))?$", expr)  # a name, or a call of a local func
        if not name:
            raise ValueError(f"cannot follow {expr[:80]!r}")
        func = re.search(rf"^func {name.group(1)}\([^)]*\)[^\n]*\{{$", self.text, re.M)
        if func:
            return self._returned(_body(self.text, func.end() - 1))
        var = re.search(rf"^\s*(?:var\s+)?{name.group(1)}\s*:?=\s*", self.text, re.M)  # a package or local variable
        if var:
            opener = re.compile(r"[{(\n]").search(self.text, var.end())  # a literal, a call, or a name
            end = opener.start() if opener.group() == "\n" else _close(self.text, opener.start())  # type: ignore[union-attr]
            return self.literal(self.text[var.end():end])
        raise ValueError(f"cannot find {expr!r} in the package")

    def _returned(self, block: str) -> str:
        return self.literal(block[re.search(r"\breturn\b", block).end():])  # type: ignore[union-attr]

    def key(self, expr: str) -> str:
        if expr.startswith('"'):
            return json.loads(expr)
        name = expr.split(".")[-1]
        if name not in self.constants:
            raise ValueError(f"unknown attribute name {expr}")
        return self.constants[name]

    @staticmethod
    def fields(literal: str) -> dict[str, str]:
        pairs = (_split(e, ":", True) for e in _split(literal[1:-1], ","))
        return {_uncommented(kv[0]): kv[1] for kv in pairs if len(kv) == 2}

    def walk(self, schema_map: str, prefix: str = "") -> dict[str, tuple[bool, bool]]:
        """Every attribute of a schema map, nested ones as `block.attribute`: (ForceNew, an argument)."""
        found: dict[str, tuple[bool, bool]] = {}
        for key, value in self.fields(schema_map).items():
            path = prefix + self.key(key)
            try:
                attr = self.fields(self.literal(value))
            except ValueError:
                if path.rsplit(".", 1)[-1] not in UNFORCED:  # tftags.TagsSchema() lives in another package
                    raise
                found[path] = (False, True)
                continue
            elem = attr.get("Elem", "")
            element = self.fields(self.literal(elem)) if elem else {}
            force = attr.get("ForceNew") == "true" or ("Schema" not in element and element.get("ForceNew") == "true")
            found[path] = (force, "true" in (attr.get("Optional"), attr.get("Required")))
            if "Schema" in element:
                found.update(self.walk(self.literal(element["Schema"]), path + "."))
        return found

    def framework_walk(self, literal: str, prefix: str = "") -> dict[str, tuple[bool, bool]]:
        """Every attribute and block of a plugin-framework schema literal (`schema.Schema{...}`, a nested object or a
        single nested block), nested ones as `block.attribute`: (a RequiresReplace plan modifier, an argument).
        `RequiresReplaceIfConfigured()` counts; a conditional `RequiresReplaceIf(...)` does not, as the SDK reader leaves
        CustomizeDiff out."""
        found: dict[str, tuple[bool, bool]] = {}
        fields = self.fields(literal)
        for group in ("Attributes", "Blocks"):
            for key, value in (self.fields(self.literal(fields[group])).items() if group in fields else ()):
                path = prefix + self.key(key)
                try:
                    text = self.literal(value)
                except ValueError:
                    if path.rsplit(".", 1)[-1] in UNFORCED:  # tftags.TagsAttribute() lives in another package
                        found[path] = (False, True)
                    elif re.match(r"^framework\.(IDAttribute|ARNAttributeComputedOnly)\w*\(", value.strip()):
                        found[path] = (False, False)  # computed only
                    elif re.match(r"^timeouts\.Block\w*\(", value.strip()):
                        pass  # operation timeouts: Pulumi's customTimeouts option, not an input
                    else:
                        raise
                    continue
                attribute = self.fields(text)
                force = bool(re.search(r"\bRequiresReplace(?:IfConfigured)?\(\)", attribute.get("PlanModifiers", "")))
                found[path] = (force, group == "Blocks" or "true" in (attribute.get("Optional"), attribute.get("Required")))
                if "NestedObject" in attribute:
                    found.update(self.framework_walk(self.literal(attribute["NestedObject"]), path + "."))
                elif "Attributes" in attribute or "Blocks" in attribute:  # a single nested block or attribute
                    found.update(self.framework_walk(text, path + "."))
        return found


class Source:
    """A Terraform provider tree: a git directory at a ref, or a checkout."""

    def __init__(self, path: str, ref: str):
        self.path, self.ref = pathlib.Path(path), ref
        self.git = not (self.path / "internal").is_dir()
        self.commit = self._git("rev-parse", ref if self.git else "HEAD").strip()

    def _git(self, *args: str) -> str:
        flag = ["--git-dir", str(self.path)] if self.git else ["-C", str(self.path)]
        done = subprocess.run(["git", *flag, *args], capture_output=True, text=True)
        if done.returncode and not (args[0] == "grep" and done.returncode == 1 and not done.stderr):  # 1: no match
            raise SystemExit(f"git {' '.join(args[:2])} failed in {self.path}: {done.stderr.strip()}")
        return done.stdout

    def read(self, name: str) -> str:
        return self._git("show", f"{self.ref}:{name}") if self.git else (self.path / name).read_text()

    def go_files(self, folder: str) -> list[str]:
        if self.git:
            names = self._git("ls-tree", "--name-only", f"{self.ref}:{folder}").split()
        else:
            names = sorted(p.name for p in (self.path / folder).iterdir())
        return [f"{folder}/{n}" for n in sorted(names) if n.endswith(".go") and not n.endswith("_test.go")]

    def locate(self, resource: str) -> str:
        """The file that registers `resource`, as an SDK or a plugin-framework resource (named in its annotation,
        or, in framework resources before 2025, by the TypeName its Metadata method sets)."""
        name = re.escape(resource)
        hits = self._git("grep", "-l", "-E", rf'@(SDK|Framework)Resource\("{name}"|TypeName = "{name}"',
                         *([self.ref] if self.git else []), "--", "internal/service/*.go").split()
        if not hits:
            raise SystemExit(f"{resource}: no resource of that name in {self.path} at {self.ref}")
        return hits[0].split(":", 1)[-1]


def constants(source: Source) -> dict[str, str]:
    """The provider's attribute-name constants (`names.AttrARN` -> `arn`, ...)."""
    names = "".join(source.read(f) for f in source.go_files("names") if "attr_const" in f)
    return dict(re.findall(r'^\s*(Attr\w+)\s*=\s*"([^"]*)"', names, re.M))


def schema_attributes(source: Source, resource: str, names: dict[str, str]) -> tuple[str, str, dict]:
    """(file, its text, attribute path -> (forces a replace, is an argument)) of one resource."""
    file = source.locate(resource)
    text = source.read(file)
    package = Package("\n".join(source.read(f) for f in source.go_files(file.rsplit("/", 1)[0])), names)
    if f'@FrameworkResource("{resource}"' in text or f'TypeName = "{resource}"' in text:
        method = re.compile(r"^func \(\w+ \*?\w+\) Schema\(", re.M).search(text)
        body = _body(text, method.end())  # type: ignore[union-attr]
        return file, text, package.framework_walk(_body(body, body.index("schema.Schema{")))
    func = re.compile(r"^func (\w+)\(\) \*schema\.Resource \{$", re.M).search(text, text.index(f'("{resource}"'))
    fields = package.fields(package.literal(func.group(1)))  # type: ignore[union-attr]
    return file, text, package.walk(package.literal(fields.get("Schema") or fields["SchemaFunc"]))


def blob_id(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


