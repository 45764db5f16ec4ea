"""An alarm on failed executions of the ``kroless-*`` state machines, and one on dead letters.

The state machines are created at run time by the compile function, so no alarm can name them, and
CloudWatch alarms cannot evaluate ``SEARCH`` expressions over ``AWS/States`` ``ExecutionsFailed``. Instead
an EventBridge rule on the default bus takes "Step Functions Execution Status Change" events of
``kroless-*`` machines in FAILED, TIMED_OUT or ABORTED, writes them to a log group (the failed executions,
one JSON event each: a record to look at as well as a count), a metric filter turns them into the metric
``kroless/ExecutionsFailed``, and the alarm watches that metric.
"""

from __future__ import annotations

from dataclasses import dataclass

import jsii
from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from kroless.settings import METRICS_NAMESPACE, STATE_MACHINE_PREFIX

FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change"


@dataclass(frozen=True)
class ObservabilityProps:
    dead_letter_queue: sqs.IQueue
    state_machine_prefix: str = STATE_MACHINE_PREFIX
    metrics_namespace: str = METRICS_NAMESPACE
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    alarm_topic_arn: str | None = None


class Observability(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ObservabilityProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        prefix_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=props.state_machine_prefix,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.failed_executions_log = logs.LogGroup(
            self, "FailedExecutions", retention=props.log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.failed_rule = events.Rule(
            self,
            "FailedExecutionsRule",
            description="kroless-* executions that FAILED, TIMED_OUT or were ABORTED",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=[EXECUTION_STATUS_CHANGE],
                detail={"status": list(FAILED_STATUSES), "stateMachineArn": [{"prefix": prefix_arn}]},
            ),
        )
        # The log group target by hand: aws_events_targets.CloudWatchLogGroup installs the resource policy
        # with a custom resource (a Lambda function with an AWS managed policy); AWS::Logs::ResourcePolicy
        # does the same natively.
        self.failed_rule.add_target(_LogGroupTarget(self.failed_executions_log))
        self.log_policy = logs.CfnResourcePolicy(
            self,
            "FailedExecutionsDelivery",
            policy_name=f"{stack.stack_name}-failed-executions",
            policy_document=stack.to_json_string(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "EventBridgeWrites",
                            "Effect": "Allow",
                            "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": self.failed_executions_log.log_group_arn,
                        }
                    ],
                }
            ),
        )
        self.failed_metric_filter = logs.MetricFilter(
            self,
            "FailedExecutionsMetric",
            log_group=self.failed_executions_log,
            metric_namespace=props.metrics_namespace,
            metric_name="ExecutionsFailed",
            filter_pattern=logs.FilterPattern.string_value("$.source", "=", "aws.states"),
            metric_value="1",
            default_value=0,
        )
        self.failed_alarm = cloudwatch.Alarm(
            self,
            "FailedExecutionsAlarm",
            alarm_description="A kroless-* state machine execution failed, timed out or was aborted",
            metric=cloudwatch.Metric(
                namespace=props.metrics_namespace,
                metric_name="ExecutionsFailed",
                statistic="Sum",
                period=Duration.minutes(5),
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.dead_letter_alarm = cloudwatch.Alarm(
            self,
            "DeadLettersAlarm",
            alarm_description="An RGD or instance event could not be delivered or processed (see the dead-letter queue)",
            metric=props.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if props.alarm_topic_arn:
            topic = sns.Topic.from_topic_arn(self, "AlarmTopic", props.alarm_topic_arn)
            for alarm in (self.failed_alarm, self.dead_letter_alarm):
                alarm.add_alarm_action(actions.SnsAction(topic))


@jsii.implements(events.IRuleTarget)
class _LogGroupTarget:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._log_group = log_group

    def bind(self, rule: events.IRule, id: str | None = None) -> events.RuleTargetConfig:  # noqa: A002 - jsii name
        stack = Stack.of(self._log_group)
        arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=self._log_group.log_group_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        return events.RuleTargetConfig(arn=arn)
