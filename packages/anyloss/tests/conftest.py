import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# The tests use tiny tensors: intra-op threads only add contention (a (30, 3) softmax took 14 ms with 2 threads
# on a busy 2-core machine, 0.05 ms with 1).
torch.set_num_threads(1)
