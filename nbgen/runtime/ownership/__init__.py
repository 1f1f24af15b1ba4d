"""The one door for every write and delete nbgen makes, in a notebook or on the command line.

nbgen creates what is not there, and replaces or deletes only what it proves it wrote, or what
the user names with ``force``. A *proof* is nbgen's own mark, checked the same way for files and
folders: a predicate over a file's bytes (its header, stamp or marker), or, for a folder, over
the bytes of the stamp file nbgen puts inside every folder it may later replace or delete
(:data:`OWNED_STAMP`, a line of JSON naming what made it). Anything without one is the user's:
the error names it and the choices (another place, or ``force``). Every write is atomic (a
temporary file beside the target, then a rename) and a read-only file is never replaced
through a rename, which Unix would allow. A test keeps ``os.replace``, ``shutil.rmtree``,
``unlink`` and file writes out of every module outside this package.

``proofs`` (what counts as nbgen's mark, and the check before a replace), ``files`` (atomic
writes), ``folders`` (stamps, scratch folders, swapping a folder in, deletes) and ``text`` (the
refusals and OS errors, in English and Chinese). Nothing is imported here.
"""
