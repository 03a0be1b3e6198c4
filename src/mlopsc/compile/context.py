"""What every resource family reads while compiling one env: its Resolved facts, origins, code files, images.

Names, ARNs, keys and instance uses come from the env's Resolved value (mlopsc.resolve), so
every family and every later stage agrees on them; this context adds what only compile needs:
the graph being built, the code files read and the image resolver.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Callable

from mlopsc.errors import Diagnostic, DiagnosticError, Mark
from mlopsc.files import CODE_LIMIT, KIND_ERROR, UnreadableFile, code_problem, read_user_file
from mlopsc.graph import Resource, ResourceGraph
from mlopsc.resolve.naming import content_name
from mlopsc.resolve.uses import Use
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import Path
from mlopsc.spec.project import EnvSpec

# Resolves an image (`xgboost:1.7-1` or a full URI) for (image, region, scope, instance_type).
ImageResolver = Callable[[str, str, str, str], str]


@dataclass(frozen=True)
class CodeFile:
    """A step's code file, uploaded content-addressed: s3://<bucket>/code/<sha256>/<file>."""

    source: str  # absolute path on disk
    relative: str  # as written in the spec (`mlopsc:<file>` for code mlopsc ships)
    sha256: str
    origin: Path | None = None  # the spec key that makes mlopsc ship it (None: the steps naming it)

    @property
    def basename(self) -> str:
        return os.path.basename(self.relative)

    @property
    def key(self) -> str:
        return f"code/{self.sha256}/{self.basename}"


def shipped(name: str) -> tuple[str, str, str]:
    """(path, name, sha256) of a file of the code mlopsc ships to run in AWS (src/mlopsc/monitor/)."""
    source = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "monitor", name)
    with open(source, "rb") as fh:
        return source, name, hashlib.sha256(fh.read()).hexdigest()


@dataclass
class CompileContext:
    """One env being compiled: its spec and Resolved facts, the graph so far, the code files read."""

    env_spec: EnvSpec
    resolve_image: ImageResolver
    graph: ResourceGraph = field(default_factory=ResourceGraph)
    code_files: dict[str, CodeFile] = field(default_factory=dict)

    def __post_init__(self) -> None:
        resolved = self.env_spec.resolved
        self.resolved = resolved
        self.names = resolved.names
        self.region, self.partition, self.account = resolved.region, resolved.partition, resolved.account

    @property
    def spec(self) -> Spec:
        return self.env_spec.spec

    @property
    def env(self) -> str:
        return self.env_spec.env

    @property
    def tree(self):
        return self.env_spec.tree

    @property
    def base_dir(self) -> str:
        return self.env_spec.base_dir

    # --- origins -----------------------------------------------------------------------------
    def origin(self, path: Path) -> Mark:
        """Where a resource comes from: the key that declares it (emit writes it relative to the project)."""
        return self.tree.key_mark(path)

    def add(self, resource: Resource) -> Resource:
        return self.graph.add(resource)

    # --- names, ARNs and keys (mlopsc.resolve) ---------------------------------------------------
    @property
    def prefix(self) -> str:
        return self.resolved.prefix

    @property
    def bucket(self) -> str:
        return self.resolved.bucket

    @property
    def role_name(self) -> str:
        return self.names[("role",)]

    @property
    def role_arn(self) -> str:
        return self.resolved.role_arn

    @property
    def kms_alias(self) -> str:
        return self.resolved.encryption.alias

    @property
    def kms_key(self) -> str | None:
        """The KMS key for data at rest, as S3 and SageMaker outputs take it; None for AWS-owned keys."""
        return self.resolved.encryption.key

    def content_name(self, head: str, content: object, kind: str = "sagemaker") -> str:
        return content_name(head, content, kind)

    def arn(self, service: str, resource: str) -> str:
        return self.resolved.arn(service, resource)

    def s3_uri(self, *parts: str) -> str:
        return self.resolved.s3_uri(*parts)

    def plain(self, text: str | None) -> str | None:
        """A location as AWS must be given it outside pipelines: `${region}`, `${env}`, `${project}`, `${bucket}`
        filled in (definitions.expressions.References.plain, the one resolver)."""
        if text is None:
            return None
        from mlopsc.compile.definitions.expressions import References

        return References(self).plain(text)

    def tags(self, **extra: str) -> dict[str, str]:
        """Tags for every taggable resource: the project's, plus the cost allocation tags."""
        return {**self.resolved.tags, **extra}

    # --- code files and images ----------------------------------------------------------------
    def code_file(self, relative: str) -> CodeFile:
        """The content-addressed upload of a step's code file (read once per compile)."""
        if relative not in self.code_files:
            source = os.path.normpath(os.path.join(self.base_dir, relative))
            problem = code_problem(self.base_dir, relative)  # validate checked it; the file may have changed since
            try:
                if problem is not None:
                    raise UnreadableFile(source, problem[0], KIND_ERROR)
                data = read_user_file(source, CODE_LIMIT)
            except UnreadableFile as exc:
                message, hint = problem or (f"code file `{relative}` {exc.reason}",
                                            "point `code` at a regular Python file inside the project")
                raise DiagnosticError([Diagnostic(Mark(relative, 0, 0), "MLC215", message, hint)]) from None
            self.code_files[relative] = CodeFile(source, relative, hashlib.sha256(data).hexdigest())
        return self.code_files[relative]

    def upload_address(self, code: CodeFile) -> str:
        """The upload's resource address: one per key; the first file name of a content keeps the bare address."""
        address = f"object.code.{code.sha256[:16]}"
        first = min((c for c in self.code_files.values() if c.sha256 == code.sha256), key=lambda c: c.relative)
        if first.key == code.key:
            return address
        return f"{address}-{hashlib.sha256(code.basename.encode()).hexdigest()[:8]}"

    def shipped_file(self, name: str, origin: Path) -> CodeFile:
        """Code mlopsc ships (src/mlopsc/monitor/NAME), uploaded like a step's code file."""
        relative = f"mlopsc:{name}"
        if relative not in self.code_files:
            self.code_files[relative] = CodeFile(*shipped(name), origin)
        return self.code_files[relative]

    def use(self, *key: str) -> Use:
        return self.resolved.use(*key)

    def image(self, use: Use) -> str:
        """The image URI of a use: its image resolved for its region, scope and instance type."""
        assert use.image is not None, f"{use.key} names no image"
        return self.resolve_image(use.image, self.region, use.scope, use.instance_type)

    def volume_key(self, use: Use) -> str | None:
        return self.resolved.volume_key(use)
