"""When executables run: schedules, triggers, their occurrences, the scheduler and webhooks."""
