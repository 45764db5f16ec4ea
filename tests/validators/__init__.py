"""Independent checks of the generated state machines: npm asl-validator and a second ASL interpreter."""
