"""The contact model's calibrated constants: the tissue's scale A0 and the bone share
(insolegen/contact/barefoot.py says what each does). Fitted on Cheung & Zhang 2005 by

    python -m insolegen.build.contact_calibration tests/data/real/emed-walk.lst

which also sets the model beside the published figures it was not fitted to
(docs/pressure-model.md; tests/test_contact.py runs it again)."""

from __future__ import annotations

from insolegen.contact.barefoot import Calibration

__all__ = ["CALIBRATION"]

CALIBRATION = Calibration(scale_kpa=20.325, bone_share=0.65)
