"""A stray 0xFF after valid two-byte UTF-8 characters: the column must count characters, not bytes.

Line 8 is `    description: été <0xFF>`: `é` is column 18, `t` 19, `é` 20, the space 21, the bad byte 22.
"""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\nmodels:\n  x:\n"


def make(directory):
    (directory / "mlops.yaml").write_bytes(HEAD.encode() + "    description: été ".encode() + b"\xff\n")
