"""The Provincial Public Service Portal of Quảng Nam and the first slice of its one-stop back office."""
