"""Windows line endings (CRLF) must not shift line or column numbers: `yes` is line 7, column 22."""

TEXT = ("version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev, prod]\n"
        "security:\n  network_isolation: yes\n")


def make(directory):
    (directory / "mlops.yaml").write_bytes(TEXT.replace("\n", "\r\n").encode())
