"""Parity Lab: recurrent networks learning the parity of a bit string.

Import what you need from its modules: `from parity.core.config import Config`,
`from parity.training.train import train`. The package itself imports nothing, so the command line's
--help and argument errors answer without loading torch.
"""
