"""Delivery channels: one interface (``interfaces``), an adapter per kind (webhook, slack,
email, pagerduty), the notifier's own inbox and a Null sibling."""
