"""The ``kroless`` command line."""
