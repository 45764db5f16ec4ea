"""ACM Certificate: requested DNS-validated, as ACK does; found by its domain name."""

from __future__ import annotations

from kroless.providers.aws.table import Call, Kind, Ref, Update

KINDS: tuple[Kind, ...] = (
    Kind(
        service="acm",
        kind="Certificate",
        create=Call("RequestCertificate", result="CertificateArn"),
        create_fixed={"ValidationMethod": "DNS"},  # ACK requests DNS-validated certificates
        read=Call("DescribeCertificate", {"CertificateArn": "{id}"}, "Certificate"),
        find=Call("ListCertificates", {}, "CertificateSummaryList"),
        find_match={"DomainName": "{spec.domainName}"},
        recorded="status.ackResourceMetadata.arn",
        delete=Call("DeleteCertificate", {"CertificateArn": "{id}"}),
        id="CertificateArn",
        arn="CertificateArn",
        refs={
            "certificateAuthorityRef": Ref(
                "certificateAuthorityARN", "acmpca", "CertificateAuthority", "status.ackResourceMetadata.arn"
            )
        },
        observe={"domainValidationOptions": "", "subjectAlternativeNames": ""},
        exclude=("idempotencyToken", "managedBy", "validationMethod"),
        updates=(Update("UpdateCertificateOptions", ("options",), {"CertificateArn": "{id}"}),),
        status=(
            "createdAt",
            "extendedKeyUsages",
            "failureReason",
            "importedAt",
            "inUseBy",
            "issuedAt",
            "issuer",
            "keyUsages",
            "notAfter",
            "notBefore",
            "renewalEligibility",
            "renewalSummary",
            "revocationReason",
            "revokedAt",
            "serial",
            "signatureAlgorithm",
            "status",
            "subject",
        ),
        status_paths={"type_": "Type", "domainValidations": "DomainValidationOptions"},
        status_keys={"type": "type_"},  # ACK's Go name for the reserved word, at every depth
        tags=Call("ListTagsForCertificate", {"CertificateArn": "{arn}"}, "Tags"),
        tag=Call("AddTagsToCertificate", {"CertificateArn": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
)
