"""Training on a Dask cluster (``w2vns train --dask``, ``w2vns.train(..., dask=...)``).

The partitioned scheme of docs/distributed.md: the vocabulary as a map-reduce over the shards
(vocab.py), the blocks and the schedule of cells (schedule.py), the samplers' tables per block
(tables.py), what the workers run (cells.py, with the planner cython_ext/_plan.pyx and the
kernel's GroupKernel), the client's loop of rounds (backend.py), checkpoints that the workers
write (checkpoint.py), connecting to a cluster (cluster.py), what goes wrong on one, in one
line (errors.py), the corpus's shards (shards.py) and the entry points (api.py).
"""
