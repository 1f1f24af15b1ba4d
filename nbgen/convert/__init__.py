"""Notebooks ⇄ text files: formats, module mode, merging into existing notebooks, batches."""
