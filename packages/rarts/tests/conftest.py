import torch

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

torch.set_num_threads(1)  # tiny models: one thread is faster than two oversubscribed ones on a shared CPU
