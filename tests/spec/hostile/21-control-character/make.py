"""A BEL control character (U+0007) inside a value: line 8, column 19."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\nmodels:\n  x:\n"


def make(directory):
    (directory / "mlops.yaml").write_text(HEAD + "    description: a\x07b\n")
