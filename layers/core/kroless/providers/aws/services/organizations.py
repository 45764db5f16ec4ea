"""Organizations Account: its email is unique across AWS, so that is how kroless finds it; closing is
deleting."""

from __future__ import annotations

from kroless.providers.aws.table import Call, Kind

KINDS: tuple[Kind, ...] = (
    Kind(
        service="organizations",
        kind="Account",
        create=Call("CreateAccount", result="CreateAccountStatus.AccountId"),
        read=Call("DescribeAccount", {"AccountId": "{id}"}, "Account"),
        find=Call("ListAccounts", {}, "Accounts"),
        find_match={"Email": "{spec.email}"},  # unique across AWS
        recorded="status.accountID",
        delete=Call("CloseAccount", {"AccountId": "{id}"}),
        id="Id",
        arn="Arn",
        renames={"name": "AccountName"},
        observe={"iamUserAccessToBilling": "", "roleName": ""},
        status=("state",),
        status_paths={"accountID": "Id"},
        gone=("SUSPENDED", "PENDING_CLOSURE", "CLOSED"),
        state="state",
        tags=Call("ListTagsForResource", {"ResourceId": "{id}"}, "Tags"),
        tag=Call("TagResource", {"ResourceId": "{id}"}),
        not_found=("AccountNotFoundException",),
    ),
)
