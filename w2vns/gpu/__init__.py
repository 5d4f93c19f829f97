"""Training on one CUDA GPU (``--device cuda``): the backend (backend.py), the kernel's CUDA C
source (sgns.cu, compiled at run time through CuPy) and its random draws on the host
(draws.py). Nothing here imports CuPy until a run asks for the GPU."""
