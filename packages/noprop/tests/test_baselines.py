"""The back-prop baselines: one block as a plain classifier (the spec's baseline), the MLP, the chain."""

import pytest
import torch

import noprop


def test_single_block_is_the_blocks_image_branch_and_fusion():
    """``SingleBlockNet`` computes the block's own logits from x alone: fusion(image_branch(x), 0)."""
    torch.manual_seed(0)
    block = noprop.DenoiseBlockMLP(8, 4, 4, hidden=16, dropout=0.0).eval()
    net = noprop.SingleBlockNet(block)
    x = torch.randn(5, 8)
    hx = block.image_branch(x)
    want = block.fusion(torch.cat([hx, torch.zeros(5, 16)], dim=-1))
    torch.testing.assert_close(net(x), want)
    assert net(x).shape == (5, 4)
    # the same parameters as a DT block (the label branch is kept but gets no input)
    assert sum(p.numel() for p in net.parameters()) == sum(p.numel() for p in block.parameters())


def test_single_block_trains_end_to_end_and_only_its_label_branch_stays_untouched():
    torch.manual_seed(0)
    x = torch.randn(64, 8)
    y = (x[:, 0] > 0).long() + 2 * (x[:, 1] > 0).long()
    clf = noprop.BackpropClassifier(
        noprop.SingleBlockNet(noprop.DenoiseBlockMLP(8, 4, 4, hidden=32)), num_classes=4
    )
    clf.loss(x, y).backward()
    block = clf.net.block
    assert all(p.grad is None for p in block.label_branch.parameters())
    assert all(p.grad is not None for p in block.image_branch.parameters() if p.requires_grad)
    assert all(p.grad is not None for p in block.fusion.parameters())
    clf.zero_grad(set_to_none=True)
    clf.fit(x, y, epochs=60, batch_size=32, lr=1e-2)
    assert clf.accuracy(x, y) > 0.9
    # eval-mode BatchNorm agrees with training-mode predictions (no constant input through a BN layer)
    clf.train()
    with torch.no_grad():
        train_mode = clf.net(x).argmax(-1)
    clf.eval()
    assert (clf.predict(x) == train_mode).float().mean() > 0.9


def test_single_block_with_the_cnn_block():
    torch.manual_seed(0)
    net = noprop.SingleBlockNet(noprop.DenoiseBlockCNN(1, 3, 3, 8, hidden=8)).eval()
    assert net(torch.randn(2, 1, 8, 8)).shape == (2, 3)
    with pytest.raises(ValueError, match="NCHW"):
        net(torch.randn(2, 8, 8, 1))


def test_single_block_bad_inputs():
    with pytest.raises(TypeError, match="DenoiseBlockMLP or DenoiseBlockCNN"):
        noprop.SingleBlockNet(torch.nn.Linear(4, 4))
    with pytest.raises(ValueError, match="time-conditioned"):
        noprop.SingleBlockNet(noprop.TimeBlockMLP(8, 4, 4, hidden=8))
    net = noprop.SingleBlockNet(noprop.DenoiseBlockMLP(8, 4, 4, hidden=8))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 8\)"):
        net(torch.randn(3, 5))
