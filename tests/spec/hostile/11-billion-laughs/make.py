"""Billion laughs: ten levels of nine aliases each (9**10 values once expanded), under 1 KiB on disk."""

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev]\nmodels:\n  x:\n    description: text\n"


def make(directory):
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * 9) + "]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    # line 9 holds a0, line 9+i holds a<i>; expanding *a4 in a5 (line 14) crosses 500,000 values
    (directory / "mlops.yaml").write_text(HEAD + "\n".join(lines) + "\n")
