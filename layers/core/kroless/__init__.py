"""kroless: run Kro ResourceGraphDefinitions with no controller.

The core library is pure where it can be: compile (SimpleSchema, CEL, graph), render and the state
machine compiler take data and return data. Providers and the store do I/O and are passed in.
"""

__version__ = "0.1.0"
