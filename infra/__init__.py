"""The kroless CDK app: ``infra/app.py`` and one module per construct."""
