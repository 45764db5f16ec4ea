"""The local cloud: embedded AWS (``kroless_cli.localcloud.aws``) and Kubernetes
(``kroless_cli.localcloud.kubernetes``).

Submodules are imported explicitly (each pulls in heavy test-only dependencies such as moto).
"""
