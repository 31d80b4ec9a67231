"""Text stage: reading a manuscript.

In: a manuscript folder or file (text files or an EPUB, book.yaml). Out: a `model.Book` of `Chapter`s and `Paragraph`s,
each knowing its file and line, plus what was not read aloud and why (Gutenberg header, licence, contents).
`source.load_book` is the entry point; `manuscript` reads bytes and cuts boilerplate, `headings` and `layout`
find the chapters, `structure` puts them together, `overrides` and `metadata` read book.yaml, `yamlfile`
reads YAML with line numbers for every error. An EPUB is read by `epub` (the archive, its package and nav),
`epub_html`, `epub_blocks` and `epub_notes` (its XHTML as blocks of text, its notes), `epub_toc` (its table of
contents over the blocks), `epub_dropped` (what is not read, and why) and `epub_chapters` (the chapters).
"""
