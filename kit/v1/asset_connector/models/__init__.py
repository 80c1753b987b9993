"""Asset models of the SDK before 1.23."""
