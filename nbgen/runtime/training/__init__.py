"""The training day's checkpoints: ``nbgen.Checkpoints`` (``checkpoints``), where they live and
what Drive can do to them (``places``), the manifest, rotation and leftovers (``manifest``), the
background save (``saver``), reading one back (``load``), the resumable loader (``stream``), RNG
and state copies (``state``), the notebook cell's listing (``show``), and the messages in
English and Chinese (``text``).

Nothing is imported here, and torch only inside the functions that need it: the runtime cell
loads without it.
"""
