"""A Latin-1 `é` (byte 0xE9) on line 8, column 21."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\nmodels:\n  x:\n"


def make(directory):
    (directory / "mlops.yaml").write_bytes((HEAD + "    description: caf\xe9 model\n").encode("latin-1"))
