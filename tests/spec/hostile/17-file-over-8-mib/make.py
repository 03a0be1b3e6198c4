"""A valid spec followed by a comment that takes the file just past 8 MiB."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\n"


def make(directory):
    (directory / "mlops.yaml").write_text(HEAD + "# " + "x" * (8 * 1024 * 1024) + "\n")
