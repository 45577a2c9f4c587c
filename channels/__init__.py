"""Rasa input channels: the edge where a message enters, checked before any work."""
