"""CEL for kroless: Kro's CEL environment on cel-expr-python.

env = CELEnvironment(["schema", "db"])
prog = env.compile('schema.spec.name + "-" + db.status.endpoint')
prog.references     # ["schema", "db"]
prog.select_paths   # [("schema", "spec", "name"), ("db", "status", "endpoint")]
prog.output_type    # "string"
prog.evaluate({"schema": {...}, "db": {...}})
"""

from .environment import Activation, CELEnvironment, Program
from .values import OMIT

__all__ = ["OMIT", "Activation", "CELEnvironment", "Program"]
