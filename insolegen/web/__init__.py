"""The designer: ``insolegen serve``, a local web app (insolegen.web.app) with a live
3D view (static/, three.js shipped with the package) and an API for clinic software."""

__all__: list[str] = []  # a package: its modules are imported by name
