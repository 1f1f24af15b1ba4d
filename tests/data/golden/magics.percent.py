# ---
# jupyter:
#   kernelspec: {"display_name": "Python 3", "language": "python", "name": "python3"}
#   language_info: {"name": "python"}
# ---

# %%
# %matplotlib inline
# !pip install -q einops
# files = !ls
# %time x = sum(range(10))

# %%
# %%bash
echo hello
ls -la

# %%
# %%time
total = 0
for i in range(3):
    total += i

# %%
# # %% not a marker
# # %time not a magic either
print('# %%')
