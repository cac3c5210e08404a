"""Parity Lab: recurrent networks learning the parity of a bit string."""

from .config import Config
from .train import TrainResult, train

__all__ = ["Config", "TrainResult", "train"]
