"""The local cloud: embedded AWS (``kroless.localcloud.aws``) and Kubernetes (``kroless.localcloud.kubernetes``).

Submodules are imported explicitly (each pulls in heavy test-only dependencies such as moto).
"""
