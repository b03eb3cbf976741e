import torch  # noqa: E402

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)

torch.set_num_threads(1)  # tiny tensors: one thread is faster, and steadier on a shared machine
