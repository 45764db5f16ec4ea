"""Route 53 RecordSet.

ACK's RecordSet: spec.name is relative to the hosted zone (ACK appends the zone's domain; no name: the apex).
The record lives inside ChangeResourceRecordSets' ChangeBatch; name + type (+ setIdentifier) is its identity.
"""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.table import Call, Kind, Ref, Update

_ZONE: dict[str, Any] = {"HostedZoneId": "{spec.hostedZoneID}"}
_RECORD_LIST = Call(
    "ListResourceRecordSets",
    {**_ZONE, "StartRecordName": "{fqdn}", "StartRecordType": "{spec.recordType}"},
    "ResourceRecordSets",
)
_RECORD_FIELDS = (
    "aliasTarget",
    "cidrRoutingConfig",
    "failover",
    "geoLocation",
    "healthCheckID",
    "multiValueAnswer",
    "region",
    "resourceRecords",
    "ttl",
    "weight",
)


def _change(action: str, record: Any) -> dict[str, Any]:
    return {**_ZONE, "ChangeBatch": {"Changes": [{"Action": action, "ResourceRecordSet": record}]}}


KINDS: tuple[Kind, ...] = (
    Kind(
        service="route53",
        kind="RecordSet",
        create=Call("ChangeResourceRecordSets", _change("CREATE", {"Name": "{fqdn}"})),
        spec_at="ChangeBatch.Changes[0].ResourceRecordSet",
        read=Call(_RECORD_LIST.op, _RECORD_LIST.params, "ResourceRecordSets[0]"),  # the described shape
        find=_RECORD_LIST,
        find_match={"Name": "{fqdn}", "Type": "{spec.recordType}", "SetIdentifier": "{spec.setIdentifier}"},
        delete=Call("ChangeResourceRecordSets", _change("DELETE", "{current}")),  # DELETE takes the record as is
        lookups={"zone": Call("GetHostedZone", {"Id": "{spec.hostedZoneID}"}, "HostedZone.Name")},
        derived={"fqdn": ("{spec.name}.{zone}", "{zone}")},
        renames={"recordType": "Type"},
        observe={"name": "", "hostedZoneID": ""},  # identity: the record found is that name in that zone
        refs={
            "hostedZoneRef": Ref("hostedZoneID", "route53", "HostedZone", "status.id"),
            "healthCheckRef": Ref("healthCheckID", "route53", "HealthCheck", "status.id"),
        },
        updates=(
            # UPSERT replaces the record: every record field the template sets goes with it
            Update(
                "ChangeResourceRecordSets",
                _RECORD_FIELDS,
                _change("UPSERT", {"Name": "{fqdn}"}),
                always=("recordType", "setIdentifier", *_RECORD_FIELDS),
                spec_at="ChangeBatch.Changes[0].ResourceRecordSet",
            ),
        ),
        exclude=("geoProximityLocation", "trafficPolicyInstanceID"),
        receipt={"id": "ChangeInfo.Id", "submittedAt": "ChangeInfo.SubmittedAt"},
        status_calls={"status": Call("GetChange", {"Id": "{status.id}"}, "ChangeInfo.Status")},
        state="status",
        stable=("INSYNC",),
        not_found=("NoSuchHostedZone",),
    ),
)
