from paperzoo_shared.testing import *  # noqa: F403

pytest_plugins = ["pytester"]
