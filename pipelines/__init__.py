"""Jobs, schedules, sensors and the one place that assembles the Dagster Definitions."""
