import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# the tests use tiny tensors: one intra-op thread avoids oversubscription on small shared CPUs
torch.set_num_threads(1)
