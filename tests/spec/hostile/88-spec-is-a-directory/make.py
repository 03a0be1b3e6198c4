"""`mlops.yaml` is a folder, not a file."""


def make(directory):
    (directory / "mlops.yaml").mkdir()
