"""The 12-bit generator against the rule's invariants (spec: recovered from the official data file)."""

import itertools

import torch

import info_plane as ip
from info_plane.data import ANTIPODES, EDGES, all_patterns


def _automorphisms():
    """All vertex permutations of the icosahedron that preserve its edge set (backtracking)."""
    adj = {v: set() for v in range(12)}
    for a, b in EDGES:
        adj[a].add(b)
        adj[b].add(a)
    found = []

    def extend(perm):
        k = len(perm)
        if k == 12:
            found.append(tuple(perm))
            return
        for cand in range(12):
            if cand in perm:
                continue
            if all((j in adj[k]) == (perm[j] in adj[cand]) for j in range(k)):
                extend([*perm, cand])

    extend([])
    return found


def test_rows_are_the_binary_patterns():
    X = all_patterns()
    assert X.shape == (4096, 12)
    assert len({tuple(r) for r in X.int().tolist()}) == 4096
    weights = 2 ** torch.arange(11, -1, -1)
    assert torch.equal((X.long() * weights).sum(1), torch.arange(4096))  # row r = bits of r, MSB first


def test_label_counts_and_entropy():
    d = ip.ib_12bit()
    assert int(d.y.sum()) == 2118
    assert abs(ip.label_entropy(d.y) - 0.99916) < 1e-5


def test_icosahedron_graph():
    edges, antipodes = ip.icosahedron_graph()
    assert len(edges) == 30 and len(antipodes) == 6
    degree = torch.zeros(12, dtype=torch.long)
    for a, b in edges:
        degree[a] += 1
        degree[b] += 1
    assert degree.tolist() == [5] * 12
    assert sorted(v for p in antipodes for v in p) == list(range(12))
    assert not set(antipodes) & set(edges)


def test_labels_invariant_under_all_120_symmetries():
    autos = _automorphisms()
    assert len(autos) == 120
    X = all_patterns()
    y = ip.ib_12bit_label(X)
    weights = 2 ** torch.arange(11, -1, -1)
    for perm in autos:
        moved = (X[:, list(perm)].long() * weights).sum(1)  # row index of each permuted pattern
        assert torch.equal(y[moved], y)
        anti = {tuple(sorted((perm[a], perm[b]))) for a, b in ANTIPODES}
        assert anti == {tuple(sorted(p)) for p in ANTIPODES}
    assert torch.equal(
        ip.ib_12bit_label(X[:, list(autos[7])]), y[(X[:, list(autos[7])].long() * weights).sum(1)]
    )


def test_rule_cases_by_hand():
    def bits(on):
        b = torch.zeros(12)
        b[list(on)] = 1
        return b

    assert int(ip.ib_12bit_label(bits(range(4)))) == 0  # k <= 4
    assert int(ip.ib_12bit_label(bits(range(8)))) == 1  # k >= 8
    # k = 5 on the 5 neighbours of vertex 0 plus... a pentagon around 0: (1, 3, 5, 10, 11) has 5 edges
    ring = (1, 3, 5, 10, 11)
    e = sum(1 for a, b in EDGES if a in ring and b in ring)
    assert e == 5 and int(ip.ib_12bit_label(bits(ring))) == 0  # e < 7
    cap = (0, 1, 3, 5, 10)  # vertex 0 and 4 of its neighbours: 4 spokes + 3 ring edges = 7
    assert int(ip.ib_12bit_label(bits(cap))) == 1


def test_split_sizes_and_no_shuffle_is_binary_order():
    d = ip.ib_12bit(train_frac=0.8, shuffle=False)
    assert len(d.train_idx) + len(d.test_idx) == 4096
    assert torch.equal(d.train_idx, torch.arange(len(d.train_idx)))
    a, b = ip.ib_12bit(seed=1), ip.ib_12bit(seed=1)
    assert torch.equal(a.train_idx, b.train_idx)
    assert not torch.equal(a.train_idx, ip.ib_12bit(seed=2).train_idx)
    assert set(a.train_idx.tolist()).isdisjoint(a.test_idx.tolist())
    assert list(itertools.islice(ip.ib_12bit(train_frac=0.05).train_idx.shape, 1)) == [205]
