import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# tiny tensors: one thread avoids oversubscription when the 2 cores are shared (measured: 5-15x slower otherwise)
torch.set_num_threads(1)
