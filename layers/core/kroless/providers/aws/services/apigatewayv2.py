"""API Gateway v2 kinds (API, Authorizer, Integration, Route, Stage): an API's children live under
``/apis/{apiId}`` and have no tags; kroless finds them by the id it recorded, then by their identity within
the API."""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.table import Call, Kind, Ref, Update

_API = Ref("apiID", "apigatewayv2", "API", "status.apiID")
_ON_API: dict[str, Any] = {"ApiId": "{spec.apiID}"}
_APIGW: dict[str, Any] = {"not_found": ("NotFoundException",)}


def _api_child(kind: str, noun: str, **entry: Any) -> Kind:
    """An API's integration, route or authorizer: its id AWS generates, under ``/apis/{apiId}``."""
    plural = f"{noun}s"
    return Kind(
        service="apigatewayv2",
        kind=kind,
        create=Call(f"Create{noun}", _ON_API, f"{noun}Id"),
        read=Call(f"Get{noun}", {**_ON_API, f"{noun}Id": "{id}"}),
        find=Call(f"Get{plural}", _ON_API, "Items"),
        recorded=f"status.{noun.lower()}ID",
        delete=Call(f"Delete{noun}", {**_ON_API, f"{noun}Id": "{id}"}),
        id=f"{noun}Id",
        arn=f"arn:{{partition}}:apigateway:{{region}}::/apis/{{spec.apiID}}/{plural.lower()}/{{id}}",
        **entry,
        **_APIGW,
    )


KINDS: tuple[Kind, ...] = (
    Kind(
        service="apigatewayv2",
        kind="API",
        create=Call("CreateApi", result="ApiId"),
        read=Call("GetApi", {"ApiId": "{id}"}),
        find=Call("GetApis", {}, "Items"),
        find_match={"Tags.kroless:object": "{object}"},
        delete=Call("DeleteApi", {"ApiId": "{id}"}),
        id="ApiId",
        arn="arn:{partition}:apigateway:{region}::/apis/{id}",
        updates=(
            Update(
                "UpdateApi",
                (
                    "apiKeySelectionExpression",
                    "corsConfiguration",
                    "credentialsARN",
                    "description",
                    "disableExecuteAPIEndpoint",
                    "disableSchemaValidation",
                    "name",
                    "routeKey",
                    "routeSelectionExpression",
                    "target",
                    "version",
                ),
                {"ApiId": "{id}"},
            ),
        ),
        observe={"credentialsARN": "", "routeKey": "", "target": ""},  # quick-create inputs, not echoed
        exclude=("ipAddressType",),
        status=("apiEndpoint", "apiGatewayManaged", "apiID", "createdDate", "importInfo", "warnings"),
        tag=Call("TagResource", {"ResourceArn": "{arn}"}),
        **_APIGW,
    ),
    _api_child(
        "Authorizer",
        "Authorizer",
        find_match={"Name": "{spec.name}"},
        refs={"apiRef": _API},
        updates=(
            Update(
                "UpdateAuthorizer",
                (
                    "authorizerCredentialsARN",
                    "authorizerPayloadFormatVersion",
                    "authorizerResultTTLInSeconds",
                    "authorizerType",
                    "authorizerURI",
                    "enableSimpleResponses",
                    "identitySource",
                    "identityValidationExpression",
                    "jwtConfiguration",
                    "name",
                ),
                {**_ON_API, "AuthorizerId": "{id}"},
            ),
        ),
        status=("authorizerID",),
    ),
    _api_child(
        "Integration",
        "Integration",
        # No name, no tags: the recorded id first, then type + URI (+ method) within the API.
        find_match={
            "IntegrationType": "{spec.integrationType}",
            "IntegrationUri": "{spec.integrationURI}",
            "IntegrationMethod": "{spec.integrationMethod}",
        },
        refs={"apiRef": _API, "connectionRef": Ref("connectionID", "apigatewayv2", "VPCLink", "status.vpcLinkID")},
        updates=(
            Update(
                "UpdateIntegration",
                (
                    "connectionID",
                    "connectionType",
                    "contentHandlingStrategy",
                    "credentialsARN",
                    "description",
                    "integrationMethod",
                    "integrationSubtype",
                    "integrationType",
                    "integrationURI",
                    "passthroughBehavior",
                    "payloadFormatVersion",
                    "requestParameters",
                    "requestTemplates",
                    "responseParameters",
                    "templateSelectionExpression",
                    "timeoutInMillis",
                    "tlsConfig",
                ),
                {**_ON_API, "IntegrationId": "{id}"},
            ),
        ),
        status=("apiGatewayManaged", "integrationID", "integrationResponseSelectionExpression"),
    ),
    _api_child(
        "Route",
        "Route",
        find_match={"RouteKey": "{spec.routeKey}"},  # unique within an API
        refs={
            "apiRef": _API,
            "authorizerRef": Ref("authorizerID", "apigatewayv2", "Authorizer", "status.authorizerID"),
            "targetRef": Ref("target", "apigatewayv2", "Integration", "status.integrationID", "integrations/{}"),
        },
        updates=(
            Update(
                "UpdateRoute",
                (
                    "apiKeyRequired",
                    "authorizationScopes",
                    "authorizationType",
                    "authorizerID",
                    "modelSelectionExpression",
                    "operationName",
                    "requestModels",
                    "requestParameters",
                    "routeKey",
                    "routeResponseSelectionExpression",
                    "target",
                ),
                {**_ON_API, "RouteId": "{id}"},
            ),
        ),
        status=("apiGatewayManaged", "routeID"),
    ),
    Kind(
        service="apigatewayv2",
        kind="Stage",
        create=Call("CreateStage", _ON_API),
        read=Call("GetStage", {**_ON_API, "StageName": "{name}"}),
        delete=Call("DeleteStage", {**_ON_API, "StageName": "{name}"}),
        name="stageName",
        arn="arn:{partition}:apigateway:{region}::/apis/{spec.apiID}/stages/{name}",
        refs={
            "apiRef": _API,
            "deploymentRef": Ref("deploymentID", "apigatewayv2", "Deployment", "status.deploymentID"),
        },
        updates=(
            Update(
                "UpdateStage",
                (
                    "accessLogSettings",
                    "autoDeploy",
                    "clientCertificateID",
                    "defaultRouteSettings",
                    "deploymentID",
                    "description",
                    "routeSettings",
                    "stageVariables",
                ),
                {**_ON_API, "StageName": "{name}"},
            ),
        ),
        status=("apiGatewayManaged", "createdDate", "lastDeploymentStatusMessage", "lastUpdatedDate"),
        tag=Call("TagResource", {"ResourceArn": "{arn}"}),
        **_APIGW,
    ),
)
