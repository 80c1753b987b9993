"""OCSF models of the SDK before 1.23: only device, user, software and vulnerability differ."""
