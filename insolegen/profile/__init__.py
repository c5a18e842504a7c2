"""Profiles: TOML in, validated per-side build parameters out.

The names below load on first use (PEP 562): importing one of the package's light
modules (insolegen.profile.printers for `check --printer`) then does not import the
loader, its pydantic schema and the clinical rules, 0.2 s of a command's start."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from insolegen.profile.loader import load_profile, profile_from_dict
    from insolegen.profile.problems import ProfileError
    from insolegen.profile.spec import Profile, SideSpec

__all__ = ["Profile", "ProfileError", "SideSpec", "load_profile", "profile_from_dict"]

_HOMES = {"Profile": "spec", "SideSpec": "spec", "ProfileError": "problems",
          "load_profile": "loader", "profile_from_dict": "loader"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'insolegen.profile' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"insolegen.profile.{home}"), name)
    globals()[name] = value  # looked up once
    return value
