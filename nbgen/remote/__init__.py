"""Notebooks run on Kaggle's GPUs from the command line (the library behind ``nbgen kaggle run``,
``status`` and ``fetch``): the pushed folder (``folder``), following the version a push made
(``follow``), its outputs fetched safely (``fetch``), and what a failed run says (``failure``).
The kaggle client itself runs in a child process (``nbgen.runtime.kaggle.session``)."""
