from paperzoo_shared.testing import *  # noqa: F403  (gpu / slow / dist markers)
