"""The M4B container.

In: the encoded lines (ADTS, from `audio`), `model.ChapterMark`s and `model.Metadata`. Out: one .m4b with both
chapter formats (QuickTime text track and Nero chpl), tags and a cover, written atomically and read back as a
player would before it is put in place. `package` orders the work, `mp4write` writes the boxes, `mp4read`
reads them back, `ffmetadata` cleans titles (and writes ffmpeg's metadata file), `cover` makes the cover.
"""

# The layout `package.assemble_m4b` writes (`mp4write`): part of every book's build fingerprint, so a change
# to it rebuilds every book. Here, so the no-op check can name it without loading the writer.
FORMAT = "m4b-mp4write-1"
