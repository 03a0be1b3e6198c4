"""A 2,000-character key on line 6: YAML limits implicit keys to 1024 characters."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\n"


def make(directory):
    (directory / "mlops.yaml").write_text(HEAD + "k" * 2000 + ": 1\n")
