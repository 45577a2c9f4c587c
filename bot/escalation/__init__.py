"""Handoffs to coordinators: routing, deadlines, the escalation ladder."""
