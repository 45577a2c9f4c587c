"""Signals that a student may be at risk, from a student or from a parent: the word
patterns (signals.yml), the decision that combines them with the trained model, and who
is speaking. Pure: the NLU component and the actions call it."""
