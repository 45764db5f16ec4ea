"""SimpleSchema: Kro's compact schema language for RGD instance APIs.

Public API:
* :func:`to_openapi` - SimpleSchema map (+ custom types) → OpenAPI v3 schema dict for the instance ``spec``.
* :func:`build_crd` - the CustomResourceDefinition Kro generates for an RGD.
* :func:`validate_instance` - default, prune and validate an instance like the API server would.
* :func:`pluralize` - flect-compatible plural used in CRD names.
"""

from .crd import DEFAULT_PRINTER_COLUMNS, build_crd, crd_name, status_with_defaults
from .markers import Marker, parse_markers
from .parse import parse_field, parse_type
from .plural import pluralize
from .transform import to_openapi
from .validate import apply_defaults, validate_instance

__all__ = [
    "DEFAULT_PRINTER_COLUMNS",
    "Marker",
    "apply_defaults",
    "build_crd",
    "crd_name",
    "parse_field",
    "parse_markers",
    "parse_type",
    "pluralize",
    "status_with_defaults",
    "to_openapi",
    "validate_instance",
]
