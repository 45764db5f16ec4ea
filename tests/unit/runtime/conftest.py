"""One RGD with every decision the engine makes: readiness, includeWhen (and a dependent of the excluded
node), forEach, status fields that wait on data published after readiness."""

from __future__ import annotations

import pytest

from tests.unit.runtime.engine import Engine

APP = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app.kroless.dev
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    group: kroless.dev
    spec:
      name: string | required=true
      replicas: integer | default=1
      monitoring: boolean | default=false
      queues: "[]string | default=[]"
    status:
      url: ${"http://" + service.metadata.name}
      availableReplicas: ${web.status.?availableReplicas.orValue(0)}
      address: ${service.status.loadBalancer.ingress[0].hostname}
      workers: ${size(workers)}
  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name + "-config"}
        data:
          replicas: ${string(schema.spec.replicas)}
    - id: web
      readyWhen:
        - ${web.status.availableReplicas >= web.spec.replicas}
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name}
          annotations:
            config: ${config.metadata.name}
        spec:
          replicas: ${schema.spec.replicas}
    - id: service
      template:
        apiVersion: v1
        kind: Service
        metadata:
          name: ${web.metadata.name}
    - id: monitor
      includeWhen:
        - ${schema.spec.monitoring}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name + "-monitor"}
    - id: dashboard
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${monitor.metadata.name + "-dashboard"}
    - id: workers
      forEach:
        - queue: ${schema.spec.queues}
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name + "-worker-" + queue}
"""


@pytest.fixture
def engine() -> Engine:
    return Engine(APP)
