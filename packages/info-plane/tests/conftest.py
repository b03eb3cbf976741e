import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# tiny tensors: one thread avoids OpenMP contention on a shared 2-core machine (timings of the suite)
torch.set_num_threads(1)
