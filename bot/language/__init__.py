"""Dutch chat text as words: chat abbreviations spelled out, typos corrected, lemmas.

Pure and importable without Rasa: the NLU components, the risk signals and the
benchmarks all read a message through the same functions.
"""
