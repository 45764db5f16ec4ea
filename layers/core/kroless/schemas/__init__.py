"""OpenAPI schemas kroless ships for the kinds it cannot ask an API server about.

``kroless.schemas.kubernetes``: the Kubernetes built-in kinds (``builtin_schema``, ``builtin_namespaced``).
``kroless.schemas.ack``: ACK's kinds, from their CRDs (``ack_schema``, ``ack_kind``, ``ack_kinds``).
Both read their data file on first use, never at import.
"""
