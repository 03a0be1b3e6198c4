"""`mlopsc init`: scaffold a project (and optionally a CI workflow) from jinja2 templates."""

from mlopsc.scaffold.render import (CI_PATHS, ScaffoldError, project_files, ci_files, sanitize_name,
                                    scaffold)

__all__ = ["CI_PATHS", "ScaffoldError", "ci_files", "project_files", "sanitize_name", "scaffold"]
