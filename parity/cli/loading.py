"""Reading a model file for a command: one clear message when it cannot be read."""

from __future__ import annotations

from ..nets import modelfile


def load_model(path: str):
    """A model file's (model, config), run with the fused torch path (same weights)."""
    try:
        model, config = modelfile.load(path)
    except modelfile.ModelFileError as err:
        message = str(err) if path in str(err) else f"model file {path}: {err}"
        raise modelfile.ModelFileError(message) from None
    model.impl = "torch"
    return model, config
