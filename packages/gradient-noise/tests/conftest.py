import os

import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# Without CUDA the fused step's Triton kernel is tested in Triton's interpreter, which must be chosen before triton
# is first imported (torch._dynamo imports it when the first optimiser is built); test_fused.py falls back to a
# subprocess when triton was imported in compiled mode anyway.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
