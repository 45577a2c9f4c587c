"""Interim goals (tussendoelen), check-ins, progress, nudges and risk signals."""
