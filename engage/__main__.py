"""Allow `python -m engage`."""

from .cli.main import main

main()
