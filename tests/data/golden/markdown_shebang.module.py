# ---
# jupyter:
#   kernelspec: {"display_name": "Python 3", "language": "python", "name": "python3"}
#   language_info: {"name": "python"}
#   nbgen: {"format": "module"}
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
if __name__ == "__main__":  # nbgen: notebook only
    x = 1
