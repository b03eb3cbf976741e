import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# the supernets of the tests are tiny: one torch thread is faster than two (and steady on a shared machine)
torch.set_num_threads(1)
