"""Speech stage: what will be said.

In: a `model.Book` and the pronunciation lexicon. Out: `narration.ChapterScript`s, each chapter as spoken
lines (the text an engine is given, in its phoneme notation, `model.Notation`) with the pauses between them.
`normalise` turns written sentences into speakable ones (`numbers` reads numbers and dates), `lexicon` and
`phonemes` give names their pronunciation, `narration` orders it all.
"""
