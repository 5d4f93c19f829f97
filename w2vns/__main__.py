"""``python -m w2vns`` runs the command line."""
from .cli import main

main()
