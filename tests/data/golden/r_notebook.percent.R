# ---
# jupyter:
#   kernelspec: {"display_name": "R", "language": "R", "name": "ir"}
#   language_info: {"name": "R"}
# ---

# %% [markdown]
# # R

# %%
x <- c(1, 2, 3)
# # %% looks like a marker
mean(x)
