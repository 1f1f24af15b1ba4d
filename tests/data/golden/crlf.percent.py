# ---
# jupyter:
#   kernelspec: {"display_name": "Python 3", "language": "python", "name": "python3"}
#   language_info: {"name": "python"}
# ---

# %% [markdown]
# # Windows
# line two
#

# %%
a = 1
b = 2


# %%
trailing = 'spaces'   



