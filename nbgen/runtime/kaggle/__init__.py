"""Kaggle data in a notebook and on the command line: what users paste (``refs``), credentials
(``creds``), safe extraction (``extract``), the download itself (``download``), and the
messages of each step in English and Chinese (``text``). Notebooks run on Kaggle: the kaggle
client in one child process per command (``session``) and the kernel requests over it, each
naming one version (``kernels``).
"""
