"""One sub-package per CLI command: a thin click command whose options are generated from the
settings dataclass of the one library function it calls (:mod:`bertstory.commands.click_options`)."""
