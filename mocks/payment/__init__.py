"""The national online payment platform emulator: INIT/QUERY/GET_BILL, checkout page, signed confirmations."""
