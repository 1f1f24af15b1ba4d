# ---
# jupyter:
#   kernelspec: {"display_name": "Python 3", "language": "python", "name": "python3"}
#   language_info: {"name": "python"}
# ---

# %% [markdown] nbgen_attachments={"plot.png": {"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}}
# ![plot](attachment:plot.png)

# %% nbgen_metadata={"nbgen": "inert", "tags": ["keep"]}
def f():
    return 1
