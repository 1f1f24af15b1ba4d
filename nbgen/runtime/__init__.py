"""Code that runs inside a notebook (Colab, Kaggle, local Jupyter) and is inlined into cells.

Every module here uses the standard library plus what the notebook itself needs (torch,
the kaggle client). A module may import another runtime module only with a
``from nbgen.runtime.X import ...`` line: the inliner drops that line because X's cell comes
earlier in the notebook. Top-level names are unique across modules (a test checks) since
inlined cells share one namespace.
"""
