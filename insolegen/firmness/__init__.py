"""Firmness in numbers (issue 24): the stiffness of a printed zone from its cell (a sheet
lattice or the slicer's gyroid infill), its material and its layers.

- :mod:`~insolegen.firmness.homogenise`: finite-element homogenisation of a periodic cell.
- :mod:`~insolegen.firmness.cells`: the cells as voxels.
- :mod:`~insolegen.firmness.precompute`: the table of moduli the build interpolates.
- :mod:`~insolegen.firmness.table`: that table, read and interpolated.
- :mod:`~insolegen.firmness.materials`: the materials' moduli, with sources.
- :mod:`~insolegen.firmness.column`: the column under the foot, layers in series.
"""

__all__: list[str] = []  # a package: its modules are imported by name
