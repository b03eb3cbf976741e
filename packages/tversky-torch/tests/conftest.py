import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# the tests use small tensors: one thread is faster and avoids oversubscribing a shared CPU
torch.set_num_threads(1)
