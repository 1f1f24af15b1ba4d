"""The ResNet-101/CIFAR-10 GPU benchmark: settings (``config``), model and data (``model``),
devices and ranks (``device``), the training steps (``steps``) and loops (``loops``), the report
(``report``), the whole run (``run``) and the notebook cell (``cell``).

Nothing is imported here, so ``import nbgen.runtime.bench.config`` does not import torch.
"""
