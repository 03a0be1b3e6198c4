"""Every diagnostic code mlopsc reports, with a one-line title (the docs table is built from this)."""

from __future__ import annotations

CODES: dict[str, str] = {
    # reading files (MLC0xx)
    "MLC001": "the file cannot be read",
    "MLC002": "the file is larger than the size limit",
    "MLC003": "the file is not UTF-8",
    "MLC004": "the file is empty",
    "MLC005": "invalid YAML syntax",
    "MLC006": "the top level is not a mapping",
    "MLC007": "a key appears twice in one mapping",
    "MLC008": "nesting deeper than the limit",
    "MLC009": "aliases that expand past the limit or form a cycle",
    "MLC010": "an unsupported YAML tag",
    "MLC011": "more than one YAML document in a file",
    "MLC012": "a key that is empty, a list or a mapping",
    # overlays and environments (MLC02x)
    "MLC020": "an overlay for an environment not in `environments`",
    "MLC021": "an overlay sets a key only mlops.yaml may set",
    "MLC022": "an environment that is not in `environments`",
    # schema (MLC1xx)
    "MLC100": "an unknown key",
    "MLC101": "a required key is missing",
    "MLC102": "a value of the wrong type",
    "MLC103": "a value that does not fit its grammar",
    "MLC104": "a YAML 1.1 boolean spelling (yes/no/on/off) where true/false is meant",
    "MLC105": "a value out of the allowed range",
    "MLC106": "a name too long for AWS once prefixed with <project>-<env>-",
    # cross-field rules and references (MLC2xx)
    "MLC200": "two steps with the same name",
    "MLC201": "a condition branch names a step that does not exist",
    "MLC202": "a condition branch names a step that does not come after the condition",
    "MLC203": "a step in two condition branches, or a condition with no branch",
    "MLC204": "a `model` that is not a key of `models`",
    "MLC205": "a `notify` that is not a key of `notify`, or alerts with no channel",
    "MLC206": "an endpoint or batch job without exactly one model source",
    "MLC207": "an endpoint without exactly one of `instance` and `serverless`",
    "MLC208": "autoscaling bounds that do not hold",
    "MLC209": "a deployment outside the bounds SageMaker sets",
    "MLC210": "a reference to a name that does not exist",
    "MLC211": "a malformed reference",
    "MLC212": "a reference to a step that does not come earlier",
    "MLC213": "a reference that is not available where it is used",
    "MLC214": "a malformed condition expression",
    "MLC215": "a `code` file that does not exist",
    "MLC216": "a `report` that does not name one of the step's outputs",
    "MLC217": "a Model Monitor setting that is incomplete",
    "MLC218": "a feature serverless endpoints do not support",
    "MLC219": "a data location that is neither an S3 URI nor a reference",
    "MLC220": "a budget channel with more addresses than an AWS Budgets alert can reach",
    "MLC221": "a step whose `code` leaves no room (an input named `code`, or too many inputs)",
    "MLC222": "an env outside the region or account of the shared model registry",
    # compile (MLC23x)
    "MLC230": "an image SageMaker does not publish for this region",
    "MLC231": "the output folder cannot be written",
    "MLC232": "a pipeline SageMaker could not run as written",

    # the state record (MLC40x)
    "MLC400": "the state record is truncated or not valid JSON",
    "MLC401": "the state record belongs to another project or env",
    "MLC402": "the state record has a manifest_version this mlopsc does not read",
    "MLC403": "a state backend plan cannot read without --base (Pulumi Cloud)",
    "MLC404": "the state backend cannot be reached (S3 error, credentials, permissions)",
    "MLC405": "the state record cannot be written",
    # the git base (MLC41x)
    "MLC410": "--base needs the spec inside a git repository and the git command",
    "MLC411": "--base names a ref git does not know",
    "MLC412": "the spec at the --base ref is invalid or does not compile",
    "MLC413": "the plan cannot be written to --out",
    "MLC414": "the spec does not compile for the env (head)",
}
