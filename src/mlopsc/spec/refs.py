"""The `${…}` reference grammar and condition expressions, parsed into values with offsets.

Secret references name a value in a secret store, resolved by Pulumi at apply time:
`${ssm:/path/to/param}`, `${secretsmanager:name}` and `${secretsmanager:name#json-key}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

GLOBALS = ("project", "env", "region", "bucket")
STEP_ATTRIBUTES = ("outputs", "model", "report", "baseline")
OPERATORS = ("==", "!=", ">=", "<=", ">", "<")
SECRET_STORES = ("ssm", "secretsmanager")
_SSM_NAME = re.compile(r"^[A-Za-z0-9_.\-/]{1,2048}$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@!-]{1,512}$")
_JSON_KEY = re.compile(r"^[^\s#{}$]{1,256}$")

# Where `${params.NAME}` may stand: the step fields (paths below a step, by step type) compile turns into
# pipeline expressions -- text holding references, and the values a parameter may stand for whole
# (models.base.parameterized). The one list: messages about a parameter anywhere else name these places,
# and tests/spec/test_refs.py validates a parameter in each. A field made to take parameters is added here.
PARAMETER_FIELDS: dict[str, tuple[str, ...]] = {
    "processing": ("arguments", "inputs", "environment", "instance.type", "instance.count"),
    "training": ("hyperparameters", "inputs", "environment", "instance.type", "instance.count"),
    "baseline": ("dataset", "instance.type", "instance.count"),
    "condition": ("conditions",),
    "register": ("artifacts", "baseline", "approval"),
    "fail": ("message",),
}

_NAME = r"[A-Za-z0-9_-]+"
_JSON_PATH = re.compile(r"[A-Za-z0-9_-]+(?:\[[0-9]+\])*(?:\.[A-Za-z0-9_-]+(?:\[[0-9]+\])*)*")  # whole value


@dataclass(frozen=True)
class Ref:
    """One `${…}` in a string: its body split on dots and where it sits in the text."""

    body: str
    start: int  # offset of `$` in the string
    end: int

    @property
    def parts(self) -> list[str]:
        return self.body.split(".")

    @cached_property  # asked for several times per reference by validate and compile alike
    def kind(self) -> str:
        head = self.body.split(":", 1)[0]
        return head if head in SECRET_STORES and ":" in self.body else self.parts[0]

    @property
    def secret(self) -> "SecretRef | None":
        """The secret this reference names (store, name, json key), or None for other references."""
        if self.kind not in SECRET_STORES:
            return None
        name, _, key = self.body.split(":", 1)[1].partition("#")
        return SecretRef(self.kind, name.strip(), key.strip() or None)


@dataclass(frozen=True)
class SecretRef:
    """`${ssm:NAME}` or `${secretsmanager:NAME[#KEY]}`: a value read from a secret store at apply time."""

    store: str  # ssm | secretsmanager
    name: str
    key: str | None = None

    def marker(self) -> dict:
        """The manifest marker: {"$secret": {"ssm": NAME}} or {"$secret": {"secretsmanager": NAME, "key": KEY}}."""
        body: dict = {self.store: self.name}
        if self.key:
            body["key"] = self.key
        return {"$secret": body}

    def token(self) -> str:
        """The inline token inside text compile writes out whole (pipeline definitions)."""
        return f"${{secret:{self.store}:{self.name}{'#' + self.key if self.key else ''}}}"


class RefSyntaxError(ValueError):
    def __init__(self, message: str, offset: int, hint: str | None = None):
        super().__init__(message)
        self.offset = offset
        self.hint = hint


def find_refs(text: str) -> list[Ref]:
    """Every `${…}` in text; `$${` is a literal `${`. Raises RefSyntaxError on an unclosed one."""
    refs = []
    i = 0
    while True:
        i = text.find("${", i)
        if i < 0:
            return refs
        if i > 0 and text[i - 1] == "$":
            i += 2
            continue
        close = text.find("}", i + 2)
        if close < 0:
            raise RefSyntaxError("unclosed reference `${`", i, "close it with `}`, or write `$${` for a literal `${`")
        body = text[i + 2:close]
        if "${" in body:
            raise RefSyntaxError("a reference cannot contain another reference", i, None)
        refs.append(Ref(body.strip(), i, close + 1))
        i = close + 1


def fill_globals(text: str, values: dict[str, str]) -> str:
    """text with the globals `values` knows (`${region}` -> eu-west-1, …) filled in and `$${` unescaped; any other
    reference stays as written. The one filler: compile's References.plain and validate's checks use it."""
    out, position = [], 0
    for ref in find_refs(text):
        value = values.get(ref.body) if ref.kind in values else None
        out.append(text[position:ref.start].replace("$${", "${") + (value if value is not None else text[ref.start:ref.end]))
        position = ref.end
    return "".join(out) + text[position:].replace("$${", "${")


def takes_parameters(path: tuple, step_type: object) -> bool:
    """Whether the value at `path` (inside a step of type `step_type`) may hold `${params.NAME}`."""
    if len(path) < 5 or path[0] != "pipelines" or path[2] != "steps":
        return False
    below = path[4:]  # `instance: ${params.X}` is the shorthand of `instance.type`
    return any(below[:len(parts)] == parts or parts[:len(below)] == below
               for parts in (tuple(f.split(".")) for f in PARAMETER_FIELDS.get(str(step_type), ())))


def parameter_places() -> str:
    """Where parameters may be used and what to do instead elsewhere: the hint of a parameter out of place."""
    fields = ", ".join(f"`{f}`" for f in dict.fromkeys(f for fs in PARAMETER_FIELDS.values() for f in fs))
    return (f"`${{params.NAME}}` is read only in a pipeline's steps, in {fields}; for a value that differs "
            "per env, set it in environments/<env>.yaml instead")


def parameter_refs(value: object) -> list[Ref]:
    """The `${params.…}` references in a value (none when it is not text or its references are malformed)."""
    if not isinstance(value, str) or "${" not in value:
        return []
    try:
        return [ref for ref in find_refs(value) if ref.kind == "params"]
    except RefSyntaxError:
        return []


def shape_problem(ref: Ref) -> tuple[str, str | None] | None:
    """Why a reference is malformed (a message and hint), or None when its shape is right."""
    parts = ref.parts
    if not ref.body:
        return "empty reference `${}`", "references look like `${params.name}` or `${steps.prepare.outputs.train}`"
    if ref.kind in GLOBALS:
        return None if len(parts) == 1 else (f"`${{{ref.kind}}}` takes no attributes", f"write `${{{ref.kind}}}`")
    if ref.kind == "params":
        if len(parts) == 2 and re.fullmatch(_NAME, parts[1]):
            return None
        return f"malformed parameter reference `${{{ref.body}}}`", "write `${params.NAME}`"
    if ref.kind == "steps":
        return _step_shape(ref)
    if ref.kind in SECRET_STORES:
        return _secret_shape(ref)
    return None  # unknown heads are reported as unknown names, with a suggestion


def _step_shape(ref: Ref) -> tuple[str, str | None] | None:
    parts = ref.parts
    hint = ("write `${steps.STEP.outputs.NAME}`, `${steps.STEP.model}`, `${steps.STEP.baseline}` or "
            "`${steps.STEP.report.json.path}`")
    if len(parts) < 3 or not re.fullmatch(_NAME, parts[1]):
        return f"malformed step reference `${{{ref.body}}}`", hint
    attribute = parts[2]
    if attribute in ("model", "baseline") and len(parts) == 3:
        return None
    if attribute == "outputs" and len(parts) == 4 and re.fullmatch(_NAME, parts[3]):
        return None
    if attribute == "report" and len(parts) >= 4 and _JSON_PATH.fullmatch(".".join(parts[3:])):
        return None
    if attribute in STEP_ATTRIBUTES:
        return f"malformed step reference `${{{ref.body}}}`", hint
    return None  # unknown attribute: reported with a suggestion


def _secret_shape(ref: Ref) -> tuple[str, str | None] | None:
    secret = ref.secret
    assert secret is not None
    if secret.store == "ssm":
        if secret.key is None and _SSM_NAME.fullmatch(secret.name):
            return None
        return "malformed SSM parameter reference", "write `${ssm:/path/to/parameter}` (letters, digits, `_.-/`)"
    if _SECRET_NAME.fullmatch(secret.name) and (secret.key is None or _JSON_KEY.fullmatch(secret.key)):
        return None
    return "malformed Secrets Manager reference", "write `${secretsmanager:name}` or `${secretsmanager:name#json-key}`"


@dataclass(frozen=True)
class Condition:
    left: str
    op: str
    right: str
    op_offset: int


def parse_condition(text: str) -> Condition:
    """`<operand> <op> <operand>`; operators inside `${…}` or quotes are not operators."""
    found = []
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif text.startswith("${", i):
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif not depth:
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op:
                found.append((i, op))
                i += len(op)
                continue
        i += 1
    if len(found) != 1:
        raise RefSyntaxError(
            "a condition compares two values with one operator" + ("" if found else "; found none"),
            found[1][0] if len(found) > 1 else 0, "write `${steps.evaluate.report.metrics.auc.value} >= ${params.min_auc}`")
    offset, op = found[0]
    left, right = text[:offset].strip(), text[offset + len(op):].strip()
    if not left or not right:
        raise RefSyntaxError(f"`{op}` needs a value on each side", offset, None)
    right_start = offset + len(op) + (len(text[offset + len(op):]) - len(text[offset + len(op):].lstrip()))
    for side, start in ((left, len(text) - len(text.lstrip())), (right, right_start)):
        if not _operand_ok(side):
            raise RefSyntaxError(f"`{side}` is not a value a condition can compare", start,
                                 "operands are references `${…}`, numbers, true/false or quoted text")
    return Condition(left, op, right, offset)


def _operand_ok(side: str) -> bool:
    if side.startswith("${") and side.endswith("}") and side.count("${") == 1:
        return True
    if side in ("true", "false") or re.fullmatch(r"-?\d+(\.\d+)?", side):
        return True
    return len(side) >= 2 and side[0] == side[-1] and side[0] in "'\""
