"""Journals: each partner's journal entries and shared reflections, with prompts and voice
notes.

A journal entry is an ordinary Entry (kind journal or reflection), written by
`couples.services.entry_create` like every other, with the same visibility model and the same
policy: prompts quote only what the writer may read, and a voice note is streamed only to those
who may read its entry.

`prompts` draws the prompts, `selectors` reads the page and the voice notes (audited),
`services` records the one-time notice, `forms`/`schemas` are the web and API shapes.
"""
