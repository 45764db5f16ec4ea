"""Typed models of the documents kroless reads: ResourceGraphDefinitions and instances."""

from kroless.model.loader import Document, load_documents, load_path
from kroless.model.rgd import (
    ExternalRef,
    ExternalRefMetadata,
    Resource,
    ResourceGraphDefinition,
    RGDSchema,
    RGDSpec,
    parse_rgd,
)

__all__ = [
    "Document",
    "ExternalRef",
    "ExternalRefMetadata",
    "RGDSchema",
    "RGDSpec",
    "Resource",
    "ResourceGraphDefinition",
    "load_documents",
    "load_path",
    "parse_rgd",
]
