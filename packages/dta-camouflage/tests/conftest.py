import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

torch.set_num_threads(1)  # small ops on a shared 2-core machine: one thread is faster and stable
