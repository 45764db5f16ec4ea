"""The Kubernetes provider: server-side apply of rendered manifests with Kro's labels.

Importing this package is cheap; the ``kubernetes`` client is imported when a provider is built.
"""

from kroless.providers.kubernetes.eks import eks_token
from kroless.providers.kubernetes.labels import kro_labels
from kroless.providers.kubernetes.provider import FIELD_MANAGER, KubernetesProvider

__all__ = ["FIELD_MANAGER", "KubernetesProvider", "eks_token", "kro_labels"]
