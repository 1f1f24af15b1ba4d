"""Where the notebook runs (Colab, Kaggle, a local Jupyter) and what it gives: the platform and
GPU report (``env``), Google Drive and the work folder (``drive``), pip installs (``pip``).
"""
