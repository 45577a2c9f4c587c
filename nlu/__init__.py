"""Rasa NLU components (the koppelcode, input and risk spotters, Dutch spelling) and the
builder of the local Dutch spaCy pipeline. Adapters: the decisions live in bot/."""
