"""insolegen: custom 3D-printable insoles and leg-length lifts from a TOML profile.

Pipeline: profile -> outline -> surfaces -> solid -> checks -> exports.
"""

__version__ = "0.1.0"
