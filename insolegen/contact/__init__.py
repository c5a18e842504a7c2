"""Predicted plantar pressure (issue 25): the foot standing on the insole, as arrays.

- :mod:`~insolegen.contact.tissue`: the plantar soft tissue's compression law and
  thickness, with sources.
- :mod:`~insolegen.contact.solve`: the foot as a rigid body on tissue and insole columns
  in series, moved until the load and the centre of pressure are met.

The build stage lays these arrays out from a built part (insolegen/build/prediction.py).
"""

__all__: list[str] = []  # a package: its modules are imported by name
