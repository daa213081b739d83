"""Where a process stands among torchrun's workers, read from the environment torchrun sets."""

import pytest
import torch

from bertstory.errors import BertstoryError
from bertstory.pipeline.workers import Workers, worker_device, worker_group

TORCHRUN_ENV = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "TORCHELASTIC_RESTART_COUNT": "2",
                "MASTER_ADDR": "localhost", "MASTER_PORT": "29500"}


def test_without_torchrun_the_process_is_the_only_worker():
    workers = Workers.from_environment({"PATH": "/bin"})
    assert workers == Workers(rank=0, count=1, local_rank=0, restart=0, launched=False) and workers.is_main


def test_torchrun_environment_gives_rank_count_local_rank_and_restart():
    workers = Workers.from_environment(TORCHRUN_ENV)
    assert (workers.rank, workers.count, workers.local_rank, workers.restart, workers.launched) == (3, 4, 1, 2, True)
    assert not workers.is_main
    assert Workers.from_environment({"RANK": "0", "WORLD_SIZE": "1"}) == Workers(launched=True)


@pytest.mark.parametrize("changes, fragment", [
    ({"RANK": "x"}, "RANK=x is not a whole number"),
    ({"WORLD_SIZE": "-2"}, "WORLD_SIZE=-2 is not a whole number"),
    ({"RANK": "4"}, "RANK=4 is not below WORLD_SIZE=4"),
])
def test_a_broken_environment_is_a_one_line_error(changes, fragment):
    with pytest.raises(BertstoryError, match=fragment):
        Workers.from_environment({**TORCHRUN_ENV, **changes})


def test_world_size_without_rank_is_an_error():
    environ = {key: value for key, value in TORCHRUN_ENV.items() if key != "RANK"}
    with pytest.raises(BertstoryError, match="RANK= is not a whole number"):
        Workers.from_environment(environ)


def test_the_device_is_unchanged_without_torchrun_or_on_the_cpu():
    for device in ("auto", "cpu", "cuda"):
        assert worker_device(device, Workers()) == device
    assert worker_device("cpu", Workers.from_environment(TORCHRUN_ENV)) == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_a_torchrun_worker_without_cuda_computes_where_it_was_told():
    assert worker_device("auto", Workers.from_environment(TORCHRUN_ENV)) == "auto"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_torchrun_worker_with_cuda_takes_the_gpu_of_its_local_rank():
    count = torch.cuda.device_count()
    last = Workers(rank=count - 1, count=count, local_rank=count - 1, launched=True)
    assert worker_device("auto", last) == "cuda" and torch.cuda.current_device() == count - 1
    torch.cuda.set_device(0)
    beyond = Workers(rank=count, count=count + 1, local_rank=count, launched=True)
    with pytest.raises(BertstoryError, match=f"LOCAL_RANK={count} has no GPU of its own: this node has {count}"):
        worker_device("cuda", beyond)


def test_the_only_worker_counts_alone_and_passes_the_barrier_at_once():
    with worker_group(Workers(), torch.device("cpu")) as group:
        assert group.add("done", 2) == 2 and group.add("done", 1) == 3 and group.add("other", 0) == 0
        group.barrier()
