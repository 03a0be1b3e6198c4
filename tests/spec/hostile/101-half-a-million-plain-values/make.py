"""500,001 plain values (no alias): refused as too many values, not taken for an alias bomb (about 1 MB)."""

HEAD = "version: 1\nproject: {name: demo, region: eu-west-1}\nenvironments: [dev]\n"


def make(directory):
    (directory / "mlops.yaml").write_text(HEAD + "x: [" + ",".join(["1"] * 500_001) + "]\n")
