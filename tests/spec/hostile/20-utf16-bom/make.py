"""A valid spec saved as UTF-16 (little endian, with a byte order mark), as some Windows editors do."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\n"


def make(directory):
    (directory / "mlops.yaml").write_bytes(HEAD.encode("utf-16"))
