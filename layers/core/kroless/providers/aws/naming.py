"""ACK's field names: botocore member names (UpperCamel) to ACK's lowerCamel, with its initialism rules.

ACK's code generator renames ``VpcId`` to ``vpcID``, ``SubnetIds`` to ``subnetIDs``, ``CidrIp`` to
``cidrIP`` and ``DBInstanceIdentifier`` to ``dbInstanceIdentifier``: words that are known initialisms are
upper-cased (plurals keep a lower-case ``s``), and a leading initialism is lower-cased as a whole.
The reverse direction never needs this table: spec keys are matched to model members case-insensitively
(``cidrIP`` and ``CidrIp`` agree once lower-cased), see :func:`member_for`.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Upper-cased word -> ACK's spelling. Checked against the ACK CRDs by tests/integration/aws.
_INITIALISMS = {
    w: w
    for w in (
        "AAAA ACL ACM ACP AMI API ARN AWS AZ CA CIDR CPU DB DHCP DNS EBS EC2 ECR EKS FIFO HTTP HTTPS IAM "
        "ID IOPS IP IPAM JSON KMS MFA NAT SHA256 SNS SQS SSE SSH SSL SSO TCP TDE TLS TTL UDP URI URL UUID "
        "VGW VPC VPN XML"
    ).split()
} | {"IPV4": "IPv4", "IPV6": "IPv6"}

# A word: an upper-case run not followed by a lower-case letter (an acronym), or a capitalised word;
# trailing digits stay with the word (Ipv6, Dns64, Sha256).
_WORD = re.compile(r"[A-Z]+(?![a-z])\d*|[A-Z]?[a-z]+\d*|\d+")


def _canonical(word: str) -> tuple[str, bool]:
    """ACK's spelling of one word and whether it is an initialism."""
    upper = word.upper()
    if upper in _INITIALISMS:
        return _INITIALISMS[upper], True
    if upper.endswith("S") and upper[:-1] in _INITIALISMS and len(upper) > 2:
        return _INITIALISMS[upper[:-1]] + "s", True
    digits = re.search(r"\d+$", word)
    if digits and upper[: digits.start()] in _INITIALISMS:
        return _INITIALISMS[upper[: digits.start()]] + digits.group(), True
    return word, False


@lru_cache(maxsize=4096)
def ack_name(member: str) -> str:
    """``VpcSecurityGroupIds`` -> ``vpcSecurityGroupIDs``; ``ECPUPerSecond`` -> ``eCPUPerSecond``."""
    words = _WORD.findall(member)
    if "".join(words) != member:  # odd names (underscores, lower-case start): keep them, lower the head
        return member[:1].lower() + member[1:]
    out = [_canonical(w) for w in words]
    head, is_initialism = out[0]
    head = head.lower() if is_initialism else head[:1].lower() + head[1:]
    return head + "".join(w for w, _ in out[1:])


