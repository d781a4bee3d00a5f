"""Escalation policies: the data (``models``, ``default.json``) and the pure engine."""
