"""Offline audiobook production: a plain-text manuscript in, a chaptered and tagged M4B out.

The stages, in the order `build` runs them:
    manuscript  -> text files in, a `Book` of chapters and paragraphs out
    speech      -> written text to speakable sentences (numbers, abbreviations, footnote markers)
    lexicon     -> names rewritten to the engine's phoneme notation from pronunciations.yaml
    engines/    -> one module per text-to-speech engine behind one protocol
    audio       -> sentences joined into chapter audio with pauses and a consistent loudness
    package     -> AAC in an M4B with both chapter formats, tags and a cover
"""

__version__ = "0.1.0"
