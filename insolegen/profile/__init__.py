"""Profiles: TOML in, validated per-side build parameters out."""

from insolegen.profile.loader import load_profile, profile_from_dict
from insolegen.profile.problems import ProfileError
from insolegen.profile.spec import Profile, SideSpec

__all__ = ["Profile", "ProfileError", "SideSpec", "load_profile", "profile_from_dict"]
