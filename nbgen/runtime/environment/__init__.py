"""What the runtime has, kept and compared: the installed distributions and the ones pip must
not replace (``packages``), and the record of the last session that worked, with what changed
since (``record``, ``drift``). Nothing is imported here.
"""
