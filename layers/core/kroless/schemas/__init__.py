"""OpenAPI schemas kroless ships for the kinds it cannot ask an API server about.

``kroless.schemas.kubernetes``: the Kubernetes built-in kinds (``builtin_schema``, ``builtin_namespaced``).
"""
