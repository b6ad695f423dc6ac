"""One module per vendor; each exports ``MODELS``, the specs of its supported models."""
