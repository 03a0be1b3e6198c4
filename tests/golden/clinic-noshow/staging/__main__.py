"""The Pulumi program of clinic-noshow-staging: registers the resources of manifest.json (written by mlopsc)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mlopsc_program import main  # noqa: E402

main()
