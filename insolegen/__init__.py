"""insolegen: custom 3D-printable insoles and leg-length lifts from a TOML profile.

Pipeline: profile -> outline -> surfaces -> solid -> checks -> exports.
"""

from insolegen.core.version import __version__

__all__ = ["__version__"]
