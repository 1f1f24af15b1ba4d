"""Stand-in for google.colab (see nbgen.standins)."""
