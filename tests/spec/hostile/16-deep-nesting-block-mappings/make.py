"""100 levels of block mappings under `models:` (libyaml accepts these; mlopsc stops at 64)."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\nmodels:\n"
DEPTH = 100


def make(directory):
    # the mapping holding k<i> is level i+1 (root is 1); k64 (line 70, column 129) opens level 65
    body = "".join("  " * i + f"k{i}:\n" for i in range(1, DEPTH)) + "  " * DEPTH + "leaf: 1\n"
    (directory / "mlops.yaml").write_text(HEAD + body)
