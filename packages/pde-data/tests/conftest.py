import socket

import pytest

from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Nothing in pde-data may touch the network: any socket creation fails the test."""

    def guard(*args, **kwargs):
        raise RuntimeError("pde-data tests must not open network sockets")

    monkeypatch.setattr(socket, "socket", guard)
    monkeypatch.setattr(socket, "create_connection", guard)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test caches into its own temporary folder."""
    monkeypatch.setenv("PDE_DATA_CACHE", str(tmp_path / "cache"))
