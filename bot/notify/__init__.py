"""Outgoing notifications through a persistent outbox."""
