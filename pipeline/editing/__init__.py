"""The editor's tools, beside the build.

In: a manuscript, its lexicon and (for proof-listening) the built book. Out: findings and reports for a person,
never a changed manuscript: `lint` (likely slips; `lint_checks` holds the checks), `lexicon_check` (names the lexicon lacks),
`lexicon_show` (how entries sound, one phrase said), `proof` (Whisper hears the book back), `doctor` (is this machine ready).
"""
