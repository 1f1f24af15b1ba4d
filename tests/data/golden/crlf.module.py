# ---
# jupyter:
#   kernelspec: {"display_name": "Python 3", "language": "python", "name": "python3"}
#   language_info: {"name": "python"}
#   nbgen: {"format": "module"}
# ---

# %% [markdown]
# # Windows
# line two
#

# %%
if __name__ == "__main__":  # nbgen: notebook only
    a = 1
    b = 2


# %%
if __name__ == "__main__":  # nbgen: notebook only
    trailing = 'spaces'   



