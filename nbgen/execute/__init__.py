"""Run notebooks locally in a real Jupyter kernel, with stand-ins for Colab (library layer)."""
