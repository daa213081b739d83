"""Engine tests run tiny models, whose operations are too small to share out among threads:
on a busy machine, extra threads only wait for each other. One thread while they run."""

import pytest
import torch


@pytest.fixture(scope="package", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
