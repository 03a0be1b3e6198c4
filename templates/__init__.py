"""Jinja2 templates mlopsc renders: the Pulumi project of `compile`, the projects and CI workflows of `init`.

This folder is installed as the package `mlopsc.templates` (see pyproject.toml); read its
files with importlib.resources.
"""
