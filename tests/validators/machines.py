"""The generated machines the validators check, compiled as the deployed compile function compiles them."""

from __future__ import annotations

from typing import Any

from kroless.graph import Graph
from kroless.operations import state_machine_definition
from kroless.services import Settings
from kroless.statemachine import StateMachineOptions, compile_state_machine
from tests.unit.statemachine.asl_walk import FINALIZE_ARN, RECONCILE_ARN

# A table name as CloudFormation generates one (the stack's output StateTableName): the scripted runs' table
TABLE = "Kroless-StateTable0C3F8A1E-1QW2E3R4T5Y6U"


def compile_machine(
    graph: Graph,
    options: StateMachineOptions | None = None,
    *,
    reconcile_arn: str = RECONCILE_ARN,
    finalize_arn: str = FINALIZE_ARN,
) -> dict[str, Any]:
    """Without ``options``: exactly what the compile function creates (operations.state_machine_definition)."""
    if options is None:
        settings = Settings(table_name=TABLE, reconcile_function_arn=reconcile_arn, finalize_function_arn=finalize_arn)
        return state_machine_definition(settings, graph)
    return compile_state_machine(
        graph,
        reconcile_function_arn=reconcile_arn,
        finalize_function_arn=finalize_arn,
        options=options,
    )
