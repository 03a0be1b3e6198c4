"""Imports NCC Group's PMapper (principalmapper 1.1.5) on Python >= 3.10, where its release no longer imports."""

import collections
import collections.abc

# principalmapper 1.1.5 (its latest release) does `from collections import Mapping, MutableMapping` in
# util/case_insensitive_dict.py; those aliases were removed from `collections` in Python 3.10. Put them back
# before the first principalmapper import (they are the same classes as collections.abc's).
for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying.local_policy_simulation import (ResourcePolicyEvalResult,  # noqa: E402
                                                              resource_policy_authorization)
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402

__all__ = ["Node", "Policy", "ResourcePolicyEvalResult", "local_check_authorization_full",
           "resource_policy_authorization"]
