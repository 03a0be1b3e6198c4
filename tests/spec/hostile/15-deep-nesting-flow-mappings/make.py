"""10,000 nested flow mappings `{a: {a: ...}}` in one value (line 8, from column 18, 4 columns a level)."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\nmodels:\n  x:\n"
DEPTH = 10_000


def make(directory):
    (directory / "mlops.yaml").write_text(HEAD + "    description: " + "{a: " * DEPTH + "1" + "}" * DEPTH + "\n")
