"""A Rasa NLU component that lets the featurizers see words as they were meant.

Placed after the tokenizer: each token's lemma becomes the lemma of the word spelled out
and corrected by bot.language ("wnr" -> "wanneer", "examnes" -> "examen", "kheb" ->
"ik hebben"). The message text itself is never changed: actions, forms and the stored
conversation keep what the person typed. Training data goes through the same step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import word_lists
from bot.language.lemmas import lemma
from bot.language.normalise import normal_form
from bot.language.words import words
from nlu.fingerprints import files_fingerprint
from nlu.message_step import MessageStep

LANGUAGE_DIR = Path(word_lists.__file__).resolve().parent


def meant_lemma(token_text: str) -> str | None:
    """The lemmas of what a token means, or None for a token without letters or digits."""
    written = words(token_text)
    if not written:
        return None
    return " ".join(lemma(norm) for word in written for norm in normal_form(word).split())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class DutchSpelling(MessageStep):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """This file, bot/language and the word lists' sources (nlu/fingerprints.py)."""
        files = [Path(__file__), *(p for p in LANGUAGE_DIR.iterdir() if p.is_file())]
        return files_fingerprint(files, extra=word_lists.sources())

    def change(self, message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not tokens:
            return
        for token in tokens:
            meant = meant_lemma(token.text)
            if meant:
                token.lemma = meant
        # Set again, so the message forgets the fingerprint it had with the tokenizer's
        # lemmas: Rasa's training cache knows the featurizers by their input's
        # fingerprint, and would bring back ones trained before a spelling change.
        message.set(TOKENS_NAMES[TEXT], tokens)
