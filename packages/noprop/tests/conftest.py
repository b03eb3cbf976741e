import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# the models under test are tiny: one thread avoids heavy contention on shared CPU machines
torch.set_num_threads(1)
