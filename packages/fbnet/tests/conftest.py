import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# tiny convolutions on a shared 2-core box: one intra-op thread avoids oversubscription stalls
torch.set_num_threads(1)
