"""Real feet as input: traced outlines (SVG, DXF, CSV) and 3-D scans (STL, OBJ, PLY).

Readers convert units at the edge (everything after is millimetres) and bring the foot
into the insole frame: heel at x = 0, toes toward +x, right-foot arch on +y.
"""

from insolegen.inputs.align import AlignedOutline, align_outline
from insolegen.inputs.errors import InputFileError

__all__ = ["AlignedOutline", "InputFileError", "align_outline"]
