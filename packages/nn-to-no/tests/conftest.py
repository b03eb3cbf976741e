import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# the default suite runs on 2 shared cores: one intra-op thread avoids oversubscription stalls
torch.set_num_threads(1)
