"""Desired against observed, as the providers and drift read it (kroless.providers.compare)."""

from __future__ import annotations

from kroless.providers.compare import AWS, KUBERNETES, contains, differences, same_items, satisfied


def test_kubernetes_reports_the_paths_that_differ_and_ignores_what_the_template_leaves_out() -> None:
    desired = {"spec": {"replicas": 2, "template": {"containers": [{"name": "app", "image": "nginx:1"}]}}}
    observed = {
        "spec": {
            "replicas": 3,
            "strategy": {"type": "RollingUpdate"},
            "template": {"containers": [{"name": "app", "image": "nginx:2", "imagePullPolicy": "Always"}]},
        }
    }
    assert differences(desired, observed) == ["spec.replicas", "spec.template.containers[0].image"]
    assert (
        differences(
            desired, {**observed, "spec": {**observed["spec"], "replicas": 2, "template": desired["spec"]["template"]}}
        )
        == []
    )


def test_kubernetes_lists_keep_their_order_aws_lists_do_not() -> None:
    desired = {"ports": [80, 443]}
    assert differences(desired, {"ports": [443, 80]}, KUBERNETES) == ["ports[0]", "ports[1]"]
    assert differences(desired, {"ports": [443, 80]}, AWS) == []
    assert differences(desired, {"ports": [443, 80, 8080]}, AWS) == ["ports"]


def test_aws_spellings_count_as_the_same_value() -> None:
    assert satisfied({"Port": 5432, "MultiAZ": False}, {"Port": "5432", "MultiAZ": "false"})
    assert satisfied({"Policy": {"Version": "2012-10-17"}}, {"Policy": '{"Version": "2012-10-17", "Statement": []}'})
    assert satisfied({"DBInstanceArn": "arn:x"}, {"DBInstanceARN": "arn:x"})  # member case folded
    assert satisfied({"Description": "", "Tags": {}}, {})  # AWS leaves empty values out
    assert not satisfied({"Port": 5432}, {"Port": "5433"})
    assert not satisfied({"Description": "web"}, {})


def test_aws_item_lists_match_one_to_one() -> None:
    rules = [{"FromPort": 80}, {"FromPort": 80}]
    assert not same_items(rules, [{"FromPort": "80", "ToPort": 80}])
    assert same_items(rules, [{"FromPort": "80"}, {"FromPort": 80, "ToPort": 80}])
    assert contains([{"Key": "team"}], [{"Key": "env"}, {"Key": "team", "Value": "x"}])
    assert not contains([{"Key": "team"}, {"Key": "team"}], [{"Key": "team"}])
    assert contains(None, [{"Key": "env"}])
