"""On-call schedules: rotations, layers and overrides (``models``, pure), their API
schema (``schemas``), the schedules kept from the notifier's events (``registry``) and
their iCalendar feeds (``ical``)."""
