"""Duplicate suggestions: which incidents may report the same event (scoring: pure;
retrieval: the store; service: both, within the viewer's access; evaluate: the figures)."""
