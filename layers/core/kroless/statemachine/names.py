"""AWS's rules for the names kroless gives Step Functions, in one place: compile follows them, tests check them.

- A state machine's name and an execution's name: 1-80 characters of ``[0-9A-Za-z_-]``. Step Functions
  forbids more (whitespace, ``~``, ``/``, ...) but logs to CloudWatch only with this set.
- An execution name is unique per state machine for 90 days after the execution ends, even once the
  execution is gone: a name used again starts nothing (``ExecutionAlreadyExists``).
- A state's name: 1-80 characters, unique in the whole machine (Parallel branches and Map included).

A name too long to fit is cut and ends in ``-`` and a hash of the whole, so two long names never share one.
"""

from __future__ import annotations

import hashlib
import re

from kroless.errors import KrolessError
from kroless.store import InstanceKey

MAX_NAME = 80
NAME_RULE = "1-80 characters of [0-9A-Za-z_-]"
_NAME = re.compile(r"[0-9A-Za-z_-]{1,80}")
_NOT_A_NAME_CHARACTER = re.compile(r"[^0-9A-Za-z_-]")
_HASH = 8  # hex digits of the hash a shortened name ends with
UID_FRAGMENT = 8  # characters of an instance's uid in its execution names (a uuid4's first 32 bits)


class InvalidNameError(KrolessError):
    """A name AWS would refuse."""


def shorten(name: str, limit: int = MAX_NAME) -> str:
    """``name`` if it fits in ``limit`` characters, else its head, ``-`` and a hash of the whole."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH]
    return f"{name[: limit - _HASH - 1]}-{digest}"


def _name_characters(text: str) -> str:
    return _NOT_A_NAME_CHARACTER.sub("-", text)


# -- state machines ------------------------------------------------------------------------------------


def check_prefix(prefix: str) -> str:
    """A state machine name prefix (IAM grants ``<prefix>*``): name characters, room left for the RGD."""
    if not re.fullmatch(r"[0-9A-Za-z_-]*", prefix) or len(prefix) > MAX_NAME - _HASH - 2:
        raise InvalidNameError(
            f"state machine prefix {prefix!r}: at most {MAX_NAME - _HASH - 2} characters of [0-9A-Za-z_-]"
        )
    return prefix


def state_machine_name(rgd: str, prefix: str) -> str:
    """``<prefix><rgd name>``, other characters as ``-``; a name cut to fit keeps the prefix whole."""
    return check_state_machine_name(shorten(check_prefix(prefix) + _name_characters(rgd)))


def check_state_machine_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidNameError(f"state machine name {name!r}: Step Functions wants {NAME_RULE}")
    return name


# -- executions --------------------------------------------------------------------------------------


def execution_name(
    key: InstanceKey, uid: str, generation: int, *, deleting: bool = False, parent: str | None = None
) -> str:
    """``<name>-<namespace>-<uid fragment>-g<generation>`` (``-delete`` for a deletion, ``--of-<parent>`` for a
    nested child so the console shows the link).

    Deterministic, so a replayed event starts no second execution for one generation. The instance's uid is
    new for each life of the instance: a re-created instance starts again at generation 1, and without it
    would get its earlier life's names, which Step Functions keeps taken for 90 days.
    """
    name = f"{execution_prefix(key, uid)}{generation}" + ("-delete" if deleting else "")
    if parent:
        name += "--of-" + parent
    return check_execution_name(shorten(_name_characters(name)))


def execution_prefix(key: InstanceKey, uid: str) -> str:
    """What every execution name of one life of an instance starts with (before shortening), up to the
    generation number: ``<name>-<namespace>-<uid fragment>-g``."""
    parts = [key.name, "cluster" if key.cluster_scoped else key.namespace, uid[:UID_FRAGMENT]]
    return "-".join(part for part in parts if part) + "-g"


def check_execution_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidNameError(f"execution name {name!r}: Step Functions wants {NAME_RULE}")
    return name


# -- states ------------------------------------------------------------------------------------------


def state_name(wanted: str) -> str:
    """A state's name: ``wanted`` shortened to fit."""
    return check_state_name(shorten(wanted))


def check_state_name(name: str) -> str:
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidNameError(f"state name {name!r}: Step Functions wants 1-{MAX_NAME} characters")
    return name
