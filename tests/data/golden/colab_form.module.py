# ---
# jupyter:
#   accelerator: "GPU"
#   colab: {"gpuType": "T4", "provenance": []}
#   kernelspec: {"display_name": "Python 3", "language": "python", "name": "python3"}
#   language_info: {"name": "python"}
#   nbgen: {"format": "module"}
# ---

# %% [markdown]
# # Train on Colab

# %% cellView="form" id="abc123"
# @title Settings
LR = 0.01  # @param {type:"number"}
EPOCHS = 3  # @param {type:"integer"}

# %% colab={"base_uri": "https://localhost:8080/"}
import torch

def make(n):
    return torch.zeros(n)

# %%
if __name__ == "__main__":  # nbgen: notebook only
    for epoch in range(EPOCHS):
        print(epoch, make(2))
