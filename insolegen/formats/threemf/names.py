"""The names a 3MF is made of, for the writer and the reader alike: XML namespaces,
package paths and the relationship type."""

__all__ = [
    "CORE_NS", "CURA_NS", "INSOLEGEN_NS", "MODEL_PATH", "MODEL_RELATIONSHIP", "ORCA_CONFIG_PATH", "PRODUCTION_NS",
    "PRUSA_CONFIG_PATH", "RELATIONSHIPS_NS", "SLIC3RPE_NS", "WALL_METADATA",
]

CORE_NS = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
PRODUCTION_NS = "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"
SLIC3RPE_NS = "http://schemas.slic3r.org/3mf/2017/06"
CURA_NS = "http://software.ultimaker.com/xml/cura/3mf/2015/10"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MODEL_RELATIONSHIP = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"

MODEL_PATH = "3D/3dmodel.model"
PRUSA_CONFIG_PATH = "Metadata/Slic3r_PE_model.config"  # PrusaSlicer: volumes by triangle ranges
ORCA_CONFIG_PATH = "Metadata/model_settings.config"  # Orca / Bambu: parts and modifier parts

# A lattice part says in its own file the thinnest wall it was made to, so that
# ``insolegen check`` holds it to that, not to a solid part's minimum: in the 3MF
# model's metadata (and in an STL's header: meshfiles.STL_WALL_MARK).
INSOLEGEN_NS = "https://insolegen.org/3mf/2026"
WALL_METADATA = "insolegen:thinnest_wall_mm"
