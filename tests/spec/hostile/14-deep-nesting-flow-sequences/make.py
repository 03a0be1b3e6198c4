"""10,000 nested flow sequences in one value (line 8, opening brackets from column 18)."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\nmodels:\n  x:\n"
DEPTH = 10_000


def make(directory):
    (directory / "mlops.yaml").write_text(HEAD + "    description: " + "[" * DEPTH + "]" * DEPTH + "\n")
