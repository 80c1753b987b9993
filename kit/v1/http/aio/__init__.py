"""``sekoia_automation.http.aio`` as the SDK before 1.23 has it."""
