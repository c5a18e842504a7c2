"""The contact model's calibrated constants (the tissue's scale A0 and the bone share)
and how they were fitted: see insolegen/build/contact_calibration.py, which fits them on
Cheung & Zhang 2005 and writes the figures below."""

from __future__ import annotations

from insolegen.contact.barefoot import Calibration

__all__ = ["CALIBRATION"]

CALIBRATION = Calibration(scale_kpa=2.0, bone_share=1.0)
