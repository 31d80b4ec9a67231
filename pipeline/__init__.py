"""Offline audiobook production: a manuscript in, a chaptered and tagged M4B out.

The folders are the stages, in the order a book passes through them (`build` runs them):
    text/      a manuscript folder or file in, a `model.Book` of chapters and paragraphs out
    speech/    what will be said: normalised sentences, names from the lexicon, pauses (`ChapterScript`s)
    voice/     the text-to-speech engines behind one protocol: a spoken line in, PCM out
    audio/     synthesis, levelling and AAC encoding through the cache; the sentence timeline (`BuiltBook`)
    m4b/       the container: chapters, tags, cover
    formats/   the other outputs: MP3, podcast, transcripts, serving them
    build/     orders the stages for one book: `BuildOptions` in, the book and a `BuildResult` out
    batch/     a whole catalogue, beside build: each book built as `build` builds it, on a pool or a cluster
    editing/   the editor's tools: lint, lexicon tools, proof-listening, doctor
`model`, `errors`, `progress`, `runner`, `tools` and `files` are used by all; `cli` is the command line.
"""

__version__ = "0.1.0"
