import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

# one torch thread: the default suite shares 2 cores with other jobs, where more threads only oversubscribe
torch.set_num_threads(1)
