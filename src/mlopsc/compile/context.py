"""What every resource family needs while compiling one env: names, ARNs, origins, images."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Callable

from mlopsc.compile.naming import Namer
from mlopsc.graph import ACCOUNT, Resource, ResourceGraph, inline_ref
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import Path, SourceTree

# Resolves an image (`xgboost:1.7-1` or a full URI) for (image, region, scope, instance_type).
ImageResolver = Callable[[str, str, str, str], str]


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class CodeFile:
    """A step's code file, uploaded content-addressed: s3://<bucket>/code/<sha256>/<file>."""

    source: str  # absolute path on disk
    relative: str  # as written in the spec
    sha256: str

    @property
    def basename(self) -> str:
        return os.path.basename(self.relative)

    @property
    def key(self) -> str:
        return f"code/{self.sha256}/{self.basename}"


@dataclass
class CompileContext:
    """One env's spec, plus everything derived from it that several families use."""

    spec: Spec
    env: str
    tree: SourceTree
    base_dir: str
    resolve_image: ImageResolver
    spec_file: str = "mlops.yaml"
    graph: ResourceGraph = field(default_factory=ResourceGraph)
    code_files: dict[str, CodeFile] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.namer = Namer(self.spec.project.name, self.env)
        self.region = self.spec.project.region
        self.partition = partition_of(self.region)
        self.account = self.spec.project.account or ACCOUNT

    # --- origins -----------------------------------------------------------------------------
    def origin(self, path: Path) -> str:
        """Where a resource comes from: FILE:LINE:COL of the key that declares it, FILE relative to
        the project folder (so artifacts are the same wherever compile runs)."""
        mark = self.tree.key_mark(path)
        relative = os.path.relpath(os.path.abspath(mark.file), self.base_dir).replace(os.sep, "/")
        return f"{relative}:{mark.line}:{mark.col}"

    def add(self, resource: Resource) -> Resource:
        return self.graph.add(resource)

    # --- names and ARNs known at compile time --------------------------------------------------
    @property
    def bucket(self) -> str:
        """The env's artifacts bucket: globally unique through the account id (at most 63 chars)."""
        return f"{self.namer.prefix}-artifacts-{self.account}"

    @property
    def role_name(self) -> str:
        return self.namer.name("sagemaker", kind="iam_role")

    @property
    def role_arn(self) -> str:
        """The execution role jobs and endpoints run as: the generated one, or the one given."""
        if self.spec.security.role != "generated":
            return self.spec.security.role
        return f"arn:{self.partition}:iam::{self.account}:role/{self.role_name}"

    @property
    def kms_alias(self) -> str:
        return f"alias/{self.namer.prefix}"

    @property
    def kms_key(self) -> str | None:
        """The KMS key for data at rest, as SageMaker and S3 accept it; None for AWS-owned keys."""
        encryption = self.spec.security.encryption
        if encryption == "aws":
            return None
        if encryption == "managed":
            return f"arn:{self.partition}:kms:{self.region}:{self.account}:{self.kms_alias}"
        return encryption

    @property
    def volume_kms_key(self) -> str | None:
        """The key for job and endpoint volumes, which SageMaker takes only as a key id or key ARN
        (not an alias): the managed key's ARN as an inline reference, filled in at apply time."""
        if self.spec.security.encryption == "managed":
            return inline_ref("kms.key", "arn")
        return self.kms_key

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def s3_uri(self, *parts: str) -> str:
        return "s3://" + "/".join([self.bucket, *[p.strip("/") for p in parts if p]])

    def tags(self, **extra: str) -> dict[str, str]:
        """Tags for every taggable resource: the project's, plus the cost allocation tags."""
        return {**self.spec.project.tags, "mlops:project": self.spec.project.name, "mlops:env": self.env, **extra}

    # --- code files ---------------------------------------------------------------------------
    def code_file(self, relative: str) -> CodeFile:
        """The content-addressed upload of a step's code file (read once per compile)."""
        if relative not in self.code_files:
            source = os.path.normpath(os.path.join(self.base_dir, relative))
            with open(source, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
            self.code_files[relative] = CodeFile(source, relative, digest)
        return self.code_files[relative]

    def image(self, image: str, scope: str, instance_type: str) -> str:
        return self.resolve_image(image, self.region, scope, instance_type)
