"""The state machine compiler: a compiled graph in, the Amazon States Language of ``<prefix><rgd>`` out.

:mod:`~kroless.statemachine.plan` turns the DAG into a schedule (nested sequence/parallel where the graph is
series-parallel, chains elsewhere whose gated nodes wait for their other dependencies themselves); :mod:`~kroless.statemachine.asl` writes it as states named after
the resource ids, within AWS's name rules (:mod:`~kroless.statemachine.names`). The local cloud runs the
definitions in moto's interpreter; tests/validators also runs them in a second, independent interpreter.
"""

from kroless.statemachine.asl import (
    DEFINITION_LIMIT,
    LAMBDA_INVOKE,
    StateMachineOptions,
    compile_state_machine,
    definition_json,
    definition_size,
)
from kroless.statemachine.names import execution_name, state_machine_name
from kroless.statemachine.plan import Block, Par, Seq, Step, deletion_dependencies, plan_dag, plan_levels

__all__ = [
    "DEFINITION_LIMIT",
    "LAMBDA_INVOKE",
    "Block",
    "Par",
    "Seq",
    "StateMachineOptions",
    "Step",
    "compile_state_machine",
    "definition_json",
    "definition_size",
    "deletion_dependencies",
    "execution_name",
    "plan_dag",
    "plan_levels",
    "state_machine_name",
]
