"""Development side of kroless: everything the Lambda functions never import.

``kroless`` (``layers/core/kroless``) is the library the Lambda layer holds; this package depends on it and
holds the rest:

- :mod:`kroless_cli.commands`: the ``kroless`` command line (offline ``validate``/``compile``/``render``, and
  ``apply``/``get``/``describe``/``delete`` against AWS or the local cloud).
- :mod:`kroless_cli.localcloud`: the local cloud: moto with its patches, the Kubernetes API emulator, and the
  CDK stack deployed into them.
- :mod:`kroless_cli.demo`: ``make demo``; :mod:`kroless_cli.drift_scene` its drift scene and
  :mod:`kroless_cli.drift_samples` the CloudTrail events the local cloud injects.
- :mod:`kroless_cli.render_offline`: ``kroless render`` (an instance rendered from its spec alone).
"""
