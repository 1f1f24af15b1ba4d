"""nbgen: the notebook toolchain for people who train models on Google Colab."""

__version__ = "0.1.0"
