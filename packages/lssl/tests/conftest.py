import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# the tests use tiny tensors: intra-op threads cost more than they give (and oversubscribe shared CPUs)
torch.set_num_threads(1)
