"""The rules a finished PDF or a source must meet, as findings."""
