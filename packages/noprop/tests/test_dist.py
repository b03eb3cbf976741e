"""Two processes each train half of the blocks; assembled, they equal sequential training bitwise."""

import pytest
import torch

from noprop.reproduce.common import make_dt
from noprop.reproduce.independence import Config, same_blocks, train_blocks_worker


@pytest.mark.dist
def test_two_processes_assemble_to_sequential_training():
    cfg = Config(T=4, hidden=8, epochs=2, batch_size=16)
    g = torch.Generator().manual_seed(0)
    y = torch.arange(64) % 3
    x = torch.randn(64, 6, generator=g) + y.unsqueeze(1).float()
    ref = make_dt(cfg, x, 3, 11)
    ref.fit(x, y, epochs=cfg.epochs, batch_size=cfg.batch_size, with_head=False, seed=5)
    jobs = [(cfg, x, y, 3, 11, 5, [1, 2]), (cfg, x, y, 3, 11, 5, [3, 4])]
    with torch.multiprocessing.get_context("spawn").Pool(2) as pool:
        parts = pool.map(train_blocks_worker, jobs)
    assembled = make_dt(cfg, x, 3, 11)
    for part in parts:
        for t, sd in part.items():
            assembled.load_block_state_dict(t, sd)
    assert same_blocks(assembled, ref)
