"""Rasa SDK actions: thin adapters that read the tracker, call bot/, and speak."""
