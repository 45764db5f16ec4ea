"""includeWhen (Kro §6.2): an excluded node is SKIPPED and so is everything that depends on it; nothing of
theirs is applied, they count as done for the instance, and objects an earlier generation made are pruned."""

from __future__ import annotations

from tests.unit.runtime.engine import Engine, conditions

# includeWhen on what a dependency's server publishes: pending until it is there
AUTOSCALED = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: autoscaled.kroless.dev
spec:
  schema:
    apiVersion: v1alpha1
    kind: Autoscaled
    group: kroless.dev
    spec:
      name: string | required=true
  resources:
    - id: web
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name}
    - id: budget
      includeWhen:
        - ${web.status.availableReplicas > 1}
      template:
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata:
          name: ${schema.spec.name}
"""


def test_an_excluded_node_and_its_dependents_are_skipped_and_never_applied(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, generation = engine.admit({"name": "shop", "monitoring": False})
    outcomes = engine.run(key, generation)

    assert (outcomes["monitor"].state, outcomes["monitor"].reason) == ("SKIPPED", "IncludeWhenFalse")
    dashboard = outcomes["dashboard"]
    assert (dashboard.state, dashboard.reason, dashboard.message) == ("SKIPPED", "DependencySkipped", "monitor is excluded")
    assert engine.cluster.names("ConfigMap") == ["shop-config"]
    assert not [c for c in engine.cluster.calls if "monitor" in c], "no call at all for the excluded objects"
    result = engine.finalize(key, generation)
    assert result["state"] == "ACTIVE", "skipped nodes count as done"
    assert conditions(result)["ResourcesReady"]["message"] == "all resources are created and ready"


def test_an_included_node_and_its_dependents_are_applied(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, generation = engine.admit({"name": "shop", "monitoring": True})
    outcomes = engine.run(key, generation)

    assert outcomes["monitor"].state == outcomes["dashboard"].state == "SYNCED"
    assert engine.cluster.names("ConfigMap") == ["shop-config", "shop-monitor", "shop-monitor-dashboard"]
    assert engine.finalize(key, generation)["state"] == "ACTIVE"


def test_turning_a_node_off_prunes_its_objects_and_its_dependents(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, first = engine.admit({"name": "shop", "monitoring": True})
    engine.run(key, first)
    assert engine.cluster.names("ConfigMap") == ["shop-config", "shop-monitor", "shop-monitor-dashboard"]

    key, second = engine.admit({"name": "shop", "monitoring": False})
    outcomes = engine.run(key, second)
    assert outcomes["monitor"].state == outcomes["dashboard"].state == "SKIPPED"
    assert engine.cluster.names("ConfigMap") == ["shop-config"]
    assert engine.cluster.touched("delete") == ["ConfigMap/shop-monitor", "ConfigMap/shop-monitor-dashboard"]
    assert engine.finalize(key, second)["state"] == "ACTIVE"

    key, third = engine.admit({"name": "shop", "monitoring": True})
    engine.run(key, third)
    assert engine.cluster.names("ConfigMap") == ["shop-config", "shop-monitor", "shop-monitor-dashboard"]


def test_include_when_on_data_not_published_yet_waits_then_decides() -> None:
    engine = Engine(AUTOSCALED)
    key, generation = engine.admit({"name": "shop"})
    assert engine.step(key, generation, "web").state == "SYNCED"

    budget = engine.step(key, generation, "budget")
    assert (budget.state, budget.reason) == ("IN_PROGRESS", "DataPending"), "pending is neither included nor skipped"
    assert engine.cluster.names("PodDisruptionBudget") == []
    assert engine.finalize(key, generation)["state"] == "IN_PROGRESS"

    # the next reconcile epoch (a heal, the resync) reads web again: now the condition can be decided
    engine.cluster.set_status("Deployment", "shop", availableReplicas=3)
    heal = engine.store.bump_generation(key, "resync")
    assert heal is not None and engine.run(key, heal)["budget"].state == "SYNCED"
    assert engine.cluster.names("PodDisruptionBudget") == ["shop"]

    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    heal = engine.store.bump_generation(key, "resync")
    assert heal is not None and engine.run(key, heal)["budget"].state == "SKIPPED"
    assert engine.cluster.names("PodDisruptionBudget") == [], "excluded now: pruned"
