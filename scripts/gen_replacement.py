"""Regenerate src/mlopsc/data/replacement.json: which input changes replace each resource mlopsc emits.

pulumi-aws is bridged from the Terraform AWS provider (`ForceNew: true` is a replace in Pulumi too);
pulumi-aws-native marks `replace_on_changes=[...]` in each class. Two steps, so that a fresh clone
(and a test) re-derives the table without the Terraform sources:

  python scripts/gen_replacement.py --terraform GIT_DIR_OR_CHECKOUT [--ref REF] [--repository NAME]
      reads the provider's schema Go files and writes the fact set tests/reference/terraform-forcenew.json
      (per resource: its file's git blob id, its ForceNew attribute paths, the arguments that update);
  python scripts/gen_replacement.py
      derives the table from that fact set, tests/reference/terraform-later.json (arguments mlopsc emits that
      the provider gained after the fact set's commit, each verdict with its source; a test keeps every
      emitted argument in one of the two) and the installed pulumi_aws_native.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "mlopsc" / "data" / "replacement.json"
FACTS = ROOT / "tests" / "reference" / "terraform-forcenew.json"
# Arguments mlopsc emits that the provider gained after FACTS' commit, each with where its verdict comes from.
LATER = ROOT / "tests" / "reference" / "terraform-later.json"
ALL = "*"
UNFORCED = ("tags", "tags_all")  # what ALL leaves out: Terraform updates tags through the tagging APIs
# pulumi-aws type token -> its Terraform resource (pulumi-aws provider/resources.go).
TERRAFORM = {
    "aws:appautoscaling/policy:Policy": "aws_appautoscaling_policy",
    "aws:appautoscaling/target:Target": "aws_appautoscaling_target",
    "aws:budgets/budget:Budget": "aws_budgets_budget",
    "aws:cloudwatch/eventPermission:EventPermission": "aws_cloudwatch_event_permission",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:costexplorer/costAllocationTag:CostAllocationTag": "aws_ce_cost_allocation_tag",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": "aws_sagemaker_data_quality_job_definition",
    "aws:sagemaker/endpoint:Endpoint": "aws_sagemaker_endpoint",
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": "aws_sagemaker_endpoint_configuration",
    "aws:sagemaker/model:Model": "aws_sagemaker_model",
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": "aws_sagemaker_model_package_group",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "aws_sagemaker_model_package_group_policy",
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": "aws_sagemaker_monitoring_schedule",
    "aws:sagemaker/pipeline:Pipeline": "aws_sagemaker_pipeline",
    "aws:scheduler/schedule:Schedule": "aws_scheduler_schedule",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
}
# Inputs pulumi-aws names differently from the Terraform attribute (resources.go `Fields` overrides).
RENAMED = {"aws_lambda_function": {"function_name": "name", "filename": "code"},
           "aws_cloudwatch_metric_alarm": {"alarm_name": "name"}, "aws_sns_topic_subscription": {"topic_arn": "topic"}}


def pulumi_forms(attribute: str) -> set[str]:
    """The names pulumi-aws may give a Terraform attribute: the bridge pluralizes a list or set block that may hold
    more than one item (`notification` -> `notifications`, `metric_query` -> `metric_queries`)."""
    plural = attribute[:-1] + "ies" if attribute.endswith("y") else attribute + ("es" if attribute.endswith("s") else "s")
    return {attribute, plural}
NATIVE = ("aws-native:sagemaker:ModelQualityJobDefinition", "aws-native:sagemaker:MonitoringSchedule")
# A provider whose region changes is replaced, and every resource it manages with it (plan/diff.py).
PROVIDERS = {"pulumi:providers:aws": "pulumi-aws provider: a region change replaces the provider",
             "pulumi:providers:aws-native": "pulumi-aws-native provider: a region change replaces the provider"}

# --- reading Go source -------------------------------------------------------------------------
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
        name = re.match(r"^(?:\w+\.)?(\w+)(?:\(\))?$", expr)
        if not name:
            raise ValueError(f"cannot follow {expr[:80]!r}")
        func = re.search(rf"^func {name.group(1)}\(\)[^\n]*\{{$", self.text, re.M)
        if func:
            return self._returned(_body(self.text, func.end() - 1))
        var = re.search(rf"^\s*(?:var\s+)?{name.group(1)}\s*=\s*", self.text, re.M)
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


class Source:
    """A Terraform provider tree: a git directory at a ref, or a checkout."""

    def __init__(self, path: str, ref: str):
        self.path, self.ref = pathlib.Path(path), ref
        self.git = not (self.path / "internal").is_dir()
        self.commit = self._git("rev-parse", ref if self.git else "HEAD").strip()

    def _git(self, *args: str) -> str:
        flag = ["--git-dir", str(self.path)] if self.git else ["-C", str(self.path)]
        return subprocess.run(["git", *flag, *args], check=True, capture_output=True, text=True).stdout

    def read(self, name: str) -> str:
        return self._git("show", f"{self.ref}:{name}") if self.git else (self.path / name).read_text()

    def go_files(self, folder: str) -> list[str]:
        if self.git:
            names = self._git("ls-tree", "--name-only", f"{self.ref}:{folder}").split()
        else:
            names = sorted(p.name for p in (self.path / folder).iterdir())
        return [f"{folder}/{n}" for n in sorted(names) if n.endswith(".go") and not n.endswith("_test.go")]

    def locate(self, resource: str) -> str:
        hits = self._git("grep", "-l", "-F", f'@SDKResource("{resource}"', *([self.ref] if self.git else []),
                         "--", "internal/service/*.go").split()
        if not hits:
            raise SystemExit(f"{resource}: no SDK resource of that name (a framework resource needs a new reader)")
        return hits[0].split(":", 1)[-1]


def blob_id(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def extract(source: Source, repository: str) -> dict:
    names = "".join(source.read(f) for f in source.go_files("names") if "attr_const" in f)  # names.AttrARN, …
    constants = dict(re.findall(r'^\s*(Attr\w+)\s*=\s*"([^"]*)"', names, re.M))
    resources = {}
    for resource in sorted(set(TERRAFORM.values())):
        file = source.locate(resource)
        text = source.read(file)
        package = Package("\n".join(source.read(f) for f in source.go_files(file.rsplit("/", 1)[0])), constants)
        func = re.compile(r"^func (\w+)\(\) \*schema\.Resource \{$", re.M).search(text, text.index(f'("{resource}"'))
        fields = package.fields(package.literal(func.group(1)))  # type: ignore[union-attr]
        attributes = package.walk(package.literal(fields.get("Schema") or fields["SchemaFunc"]))
        forced = sorted(p for p, (force, _) in attributes.items() if force)
        arguments = [p for p, (_, argument) in attributes.items() if argument]
        leaves = [p for p in arguments if not any(q.startswith(p + ".") for q in arguments)]
        resources[resource] = {
            "file": file, "blob": blob_id(text),
            "force_new": [p for p in forced if not any(p.startswith(q + ".") for q in forced)],
            "updates": sorted(p for p in leaves if not any(p == q or p.startswith(q + ".") for q in forced))}
    return {"repository": repository, "commit": source.commit, "resources": resources}


# --- the table ---------------------------------------------------------------------------------
def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def native_replaces(token: str) -> tuple[list[str], str]:
    """The paths an installed pulumi_aws_native resource class replaces on, read from its source."""
    _, module, cls = token.split(":")
    origin = importlib.util.find_spec("pulumi_aws_native").origin  # type: ignore[union-attr]
    path = pathlib.Path(origin).parent / module / f"{snake(cls)}.py"  # type: ignore[arg-type]
    listed = re.search(r"replace_on_changes=(\[.*?\])\)", path.read_text()).group(1)  # type: ignore[union-attr]
    paths = sorted({".".join(snake(part) for part in re.sub(r"\[[^\]]*\]", "", p).split("."))
                    for p in json.loads(listed)})
    return paths, f"pulumi_aws_native/{module}/{path.name} replace_on_changes"


def derive(facts: dict, later: dict | None = None) -> dict:
    version = importlib.metadata.version("pulumi_aws_native")
    later = json.loads(LATER.read_text())["resources"] if later is None else later
    types: dict[str, dict] = {t: {"replaces": ["region"], "source": s} for t, s in PROVIDERS.items()}
    for token, resource in sorted(TERRAFORM.items()):
        fact, renamed = facts["resources"][resource], RENAMED.get(resource, {})
        everything = set(fact["updates"]) <= set(UNFORCED)  # every argument but tags replaces
        forced = fact["force_new"] + [p for p, verdict in later.get(resource, {}).items() if verdict["force_new"]]
        paths = [ALL] if everything else sorted(
            ".".join([renamed.get(p.split(".")[0], p.split(".")[0])] + p.split(".")[1:]) for p in forced)
        types[token] = {"replaces": paths, "source": f"TF {fact['file']} ({resource})"}
    for token in NATIVE:
        paths, where = native_replaces(token)
        types[token] = {"replaces": paths, "source": f"aws-native {version} {where}"}
    return {"sources": {"terraform": {"repository": facts["repository"], "commit": facts["commit"]},
                        "aws-native": {"package": "pulumi_aws_native", "version": version}},
            "all": ALL, "unforced": list(UNFORCED), "types": dict(sorted(types.items()))}


def render(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", help="a terraform-provider-aws git directory or checkout")
    parser.add_argument("--ref", default="HEAD", help="the commit to read in a git directory")
    parser.add_argument("--repository", default="hashicorp/terraform-provider-aws")
    args = parser.parse_args()
    if args.terraform:
        FACTS.write_text(render(extract(Source(args.terraform, args.ref), args.repository)))
        print(f"wrote {FACTS.relative_to(ROOT)}")
    OUT.write_text(render(derive(json.loads(FACTS.read_text()))))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
