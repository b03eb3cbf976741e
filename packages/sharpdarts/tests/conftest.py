import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

torch.set_num_threads(1)  # the tiny tensors of these tests run fastest on one thread, and 2 cores are shared
