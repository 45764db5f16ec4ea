"""Pydantic models of Kro's ``kro.run/v1alpha1`` ResourceGraphDefinition, field names verbatim.

Only the document's *shape* is checked here (what the RGD CRD's OpenAPI schema and XValidations check in
Kro). Semantic checks (ids, CEL, the graph) live in :mod:`kroless.graph`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from kroless.errors import DocumentError
from kroless.model.metadata import metadata_problems

RGD_API_VERSION = "kro.run/v1alpha1"
RGD_KIND = "ResourceGraphDefinition"

_SHORT_NAME = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"


class _Strict(BaseModel):
    # Unknown fields are errors, as the API server's strict field validation makes them for Kro.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CRDMetadata(_Strict):
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class RGDSchema(_Strict):
    # kind and apiVersion patterns are checked by the graph builder, with Kro's messages
    kind: str
    api_version: str = Field(alias="apiVersion")
    group: str = "kro.run"
    scope: Literal["Namespaced", "Cluster"] = "Namespaced"
    spec: dict[str, Any] | None = None
    types: dict[str, Any] | None = None
    status: dict[str, Any] | None = None
    additional_printer_columns: list[dict[str, Any]] | None = Field(default=None, alias="additionalPrinterColumns")
    short_names: list[str] | None = Field(default=None, alias="shortNames", max_length=32)
    categories: list[str] | None = Field(default=None, max_length=32)
    metadata: CRDMetadata | None = None

    @model_validator(mode="after")
    def _names_are_dns_labels(self) -> RGDSchema:
        import re

        for field in ("short_names", "categories"):
            for value in getattr(self, field) or []:
                if len(value) > 63 or not re.match(_SHORT_NAME, value):
                    raise ValueError(f"{field}: {value!r} must match {_SHORT_NAME} and be at most 63 characters")
        return self


class LabelSelectorRequirement(_Strict):
    key: str
    operator: str
    values: list[str] | None = None


class LabelSelector(_Strict):
    match_labels: dict[str, str] | None = Field(default=None, alias="matchLabels")
    match_expressions: list[LabelSelectorRequirement] | None = Field(default=None, alias="matchExpressions")


class ExternalRefMetadata(_Strict):
    name: str | None = None
    namespace: str | None = None
    selector: LabelSelector | None = None

    @model_validator(mode="after")
    def _name_xor_selector(self) -> ExternalRefMetadata:
        if (self.name is None) == (self.selector is None):
            raise ValueError("exactly one of name or selector must be provided")
        return self


class ExternalRef(_Strict):
    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: ExternalRefMetadata

    @model_validator(mode="before")
    @classmethod
    def _repair_flattened_metadata(cls, data: Any, info: ValidationInfo) -> Any:
        # A common indentation slip (one of Kro's own examples has it): `metadata:` left empty with
        # `name:`/`namespace:` beside it. Read them as metadata fields, and warn instead of failing.
        if isinstance(data, dict) and data.get("metadata") is None and ("name" in data or "selector" in data):
            data = dict(data)
            moved = [key for key in ("name", "namespace", "selector") if key in data]
            data["metadata"] = {key: data.pop(key) for key in moved}
            if info.context is not None:
                info.context.setdefault("warnings", []).append(
                    f"externalRef.{moved[0]}: unknown field; read as externalRef.metadata.{moved[0]} "
                    "(indent it under metadata)"
                )
        return data


# Kro's resources[].deletionPolicy (api/v1alpha1 DeletionPolicy, test/e2e/chainsaw/check-deletion-policy @42814f8):
# Delete (the default) or Detach (released: left in place with Kro's labels and annotations stripped)
DELETION_POLICIES = ("Delete", "Detach")
# Kro stamps a resource's Detach on the object, where its teardown and prune read it (pkg/metadata/release.go
# DeletionPolicyOf @f93eb54); Delete is the annotation's absence.
KRO_DELETION_POLICY_ANNOTATION = "kro.run/deletion-policy"


class Resource(_Strict):
    id: str
    template: dict[str, Any] | None = None
    external_ref: ExternalRef | None = Field(default=None, alias="externalRef")
    ready_when: list[str] = Field(default_factory=list, alias="readyWhen")
    include_when: list[str] = Field(default_factory=list, alias="includeWhen")
    for_each: list[dict[str, str]] = Field(default_factory=list, alias="forEach")
    deletion_policy: str | None = Field(default=None, alias="deletionPolicy")

    @field_validator("deletion_policy")
    @classmethod
    def _known_policy(cls, value: str | None) -> str | None:
        # the API server's enum message (the RGD CRD declares Enum=Delete;Detach)
        if value is not None and value not in DELETION_POLICIES:
            supported = ", ".join(f'"{p}"' for p in DELETION_POLICIES)
            raise ValueError(f'Unsupported value: "{value}": supported values: {supported}')
        return value

    @model_validator(mode="after")
    def _for_each_single_entry(self) -> Resource:
        for dimension in self.for_each:
            if len(dimension) != 1:
                raise ValueError("forEach: each entry must have exactly one iterator")
        if self.deletion_policy is not None and self.external_ref is not None:
            # the RGD CRD's XValidation on a resource: kro never creates or deletes an externalRef
            raise ValueError('Invalid value: "object": deletionPolicy is only supported on template resources')
        return self

    def external_ref_as_template(self) -> dict[str, Any]:
        """The externalRef as a Kubernetes-object-shaped dict (what expressions and readers see)."""
        assert self.external_ref is not None
        return self.external_ref.model_dump(by_alias=True, exclude_none=True)


class RGDSpec(_Strict):
    schema_: RGDSchema = Field(alias="schema")
    resources: list[Resource] = Field(default_factory=list)


class ObjectMeta(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class ResourceGraphDefinition(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    api_version: Literal["kro.run/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["ResourceGraphDefinition"]
    metadata: ObjectMeta
    spec: RGDSpec

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def schema(self) -> RGDSchema:  # type: ignore[override]
        return self.spec.schema_


def _format_pydantic_error(err: PydanticValidationError) -> tuple[str, str]:
    """First problem of a pydantic error as (document path, message)."""
    first = err.errors()[0]
    path = ""
    for part in first["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    kind = first["type"]
    if kind == "extra_forbidden":
        message = f'unknown field "{path.rsplit(".", 1)[-1]}"'
    elif kind == "missing":
        message = "Required value"
    else:
        message = str(first["msg"]).removeprefix("Value error, ")
    return path, message


def parse_rgd(
    document: dict[str, Any], *, file: str | None = None, warnings: list[str] | None = None
) -> ResourceGraphDefinition:
    """Validate the shape of one RGD document; raise DocumentError naming the path of the first problem.

    Repairs that are accepted with a warning are appended to ``warnings`` when given.
    """
    name = (document.get("metadata") or {}).get("name") if isinstance(document.get("metadata"), dict) else None
    problems = metadata_problems(document.get("metadata"), namespaced=False)  # an RGD is cluster-scoped
    if problems:
        raise DocumentError(problems[0], file=file, name=name if isinstance(name, str) else None)
    context: dict[str, list[str]] = {"warnings": warnings if warnings is not None else []}
    try:
        return ResourceGraphDefinition.model_validate(document, context=context)
    except PydanticValidationError as err:
        path, message = _format_pydantic_error(err)
        problem = DocumentError(message, file=file, name=name, path=path)
        # Name the resource id when the problem is inside spec.resources[i].
        loc = err.errors()[0]["loc"]
        if len(loc) >= 3 and loc[:2] == ("spec", "resources") and isinstance(loc[2], int):
            resources = (document.get("spec") or {}).get("resources") or []
            if loc[2] < len(resources) and isinstance(resources[loc[2]], dict):
                problem.resource_id = resources[loc[2]].get("id")
        raise problem from None
