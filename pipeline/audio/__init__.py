"""Audio stage: rendering and the cache.

In: `speech.narration.ChapterScript`s and an engine (by name, from `voice`). Out: every spoken line synthesized,
levelled and encoded as AAC (`aac`), cached by content (`cache`), and a `timeline.BuiltBook` that places every
chapter and sentence on the finished book's timeline, exact to the sample. `jobs` keys every sentence and
segment, `calibration` finds the voice's gain, `units` cuts the missing work, `workers` is what runs in the
worker processes, `render` drives the pool; `level` holds the loudness and pause arithmetic.
"""
