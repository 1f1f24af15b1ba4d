"""Notebooks as modules: module mode's analysis (``syntax``, ``magics``, ``keeper``), shared by
``nbgen convert --mode module`` and the import hook (``importer``) that makes ``import model``
load ``model.ipynb``.
"""
