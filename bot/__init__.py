"""Toptraject assistant domain core. Importable without Rasa."""
