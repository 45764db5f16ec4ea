"""A Kubernetes API emulator for the local cloud and the tests (no kube-apiserver can run here).

The official ``kubernetes`` client talks to it unchanged: discovery, namespaced and cluster-scoped CRUD,
label selectors, server-side apply with field managers and conflicts, CRDs that register their kinds,
resourceVersion/generation, and simulated workload status (a Deployment becomes available ``ready_delay``
seconds after its last spec change) so readyWhen gates behave as on a cluster.

>>> from kroless_cli.localcloud.kubernetes import KubernetesEmulator   # doctest: +SKIP
>>> with KubernetesEmulator(ready_delay=0) as k8s:
...     k8s.url                      # 'http://127.0.0.1:<port>'
...     k8s.cluster.edit("apps/v1", "Deployment", "web", "default", change=lambda o: ...)  # drift
"""

from kroless_cli.localcloud.kubernetes.kinds import BUILTIN_KINDS, Kind
from kroless_cli.localcloud.kubernetes.server import KubernetesEmulator
from kroless_cli.localcloud.kubernetes.store import ApiError, Cluster

__all__ = ["BUILTIN_KINDS", "ApiError", "Cluster", "Kind", "KubernetesEmulator"]
