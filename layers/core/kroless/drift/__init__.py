"""Drift: CloudTrail events in, self-healing out, with nothing looping and nothing missed.

- :mod:`~kroless.drift.cloudtrail`: the events, parsed; kroless's own calls recognised by their role.
- :mod:`~kroless.drift.identity`: which resource a call touched (from the AWS provider's kind table) and
  the identifiers the reconciler records for the ownership index.
- :mod:`~kroless.drift.detect`: the drift function's work (report, ``Drift Detected``, heal).
- :mod:`~kroless.drift.heal`: heals as reconcile epochs, debounced per instance.
- :mod:`~kroless.drift.compare` and :mod:`~kroless.drift.resync`: observed vs desired, the scheduled backstop.
"""
