"""dvc-harness: what users import — stack control, clients, test data, pytest plugin, CLI."""
