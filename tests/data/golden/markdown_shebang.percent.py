# ---
# jupyter:
#   kernelspec: {"display_name": "Python 3", "language": "python", "name": "python3"}
#   language_info: {"name": "python"}
# ---

# %% [markdown]
# # Kernels
#
# ```bash
# #!/bin/bash
# echo hi
# ```
#
# # # %% [markdown] in text

# %% [raw]
# ---
# title: kept as a raw cell
# ---

# %%
x = 1
