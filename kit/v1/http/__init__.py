"""``sekoia_automation.http`` as the SDK before 1.23 has it (see :mod:`kit.v1`)."""
