"""The mlops.yaml reference (docs/reference.md), generated from the spec models: words.py holds the
words (value types, what each section deploys), kinds.py reads an annotation, render.py writes the page."""

from mlopsc.spec.reference.render import prose, render, slug
from mlopsc.spec.reference.words import HEADER, ReferenceError

__all__ = ["HEADER", "ReferenceError", "prose", "render", "slug"]
