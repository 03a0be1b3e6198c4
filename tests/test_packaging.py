"""pyproject.toml lists every package under src/mlopsc (a non-editable install must not miss one)."""

from __future__ import annotations

import tomllib

from conftest import ROOT


def test_every_package_is_listed_for_setuptools():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT / "src").parts) for p in (ROOT / "src" / "mlopsc").rglob("__init__.py")}
    listed = set(config["packages"])
    assert found | {"mlopsc.templates"} == listed, sorted(found ^ (listed - {"mlopsc.templates"}))
    assert config["package-dir"]["mlopsc.templates"] == "templates"


def test_package_data_ships_the_data_files_and_templates():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "data/*" in data["mlopsc"]
    for name in ("aws.json", "prices.json"):
        assert (ROOT / "src" / "mlopsc" / "data" / name).is_file()
    assert any(p.suffix == ".j2" for p in (ROOT / "templates").rglob("*"))
    assert "**/*.j2" in data["mlopsc.templates"]
